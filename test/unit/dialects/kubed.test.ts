import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { kubedDialect as kubed } from "../../../src/dialects/kubed.js";
import { anything, assertWellFormed, context, parseManifests, source, sourceFromManifest, sourceMetadata } from "./helpers.js";

// There is no seed document for Kubed/config-syncer; this follows its guide: a ConfigMap synced
// to every namespace, then to the namespaces labelled app=kubed.
const guideStyle = `apiVersion: v1
kind: ConfigMap
metadata:
  name: omni
  namespace: demo
  annotations:
    kubed.appscode.com/sync: ""
data:
  you: only
  leave: once
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: omni
  namespace: demo
  annotations:
    kubed.appscode.com/sync: "app=kubed"
data:
  you: only
  live: once
`;

const parse = (annotations: Record<string, string>) => kubed.fromSource!(source("Secret", "demo", "omni", annotations), context({ clusterName: "prod-eu" }));

test("example: sync \"\" copies everywhere, sync \"app=kubed\" into matching namespaces, with kubed's origin labels", () => {
  const [everywhere, selected] = parseManifests(guideStyle).map((manifest) => sourceFromManifest(manifest));
  const all = kubed.fromSource!(everywhere!, context({ clusterName: "prod-eu" }));
  assert.deepEqual(all.errors, []);
  assert.deepEqual(all.rules, [
    {
      id: "kubed/ConfigMap/demo/omni",
      origin: { dialect: "kubed", apiVersion: "v1", kind: "ConfigMap", namespace: "demo", name: "omni" },
      scope: "tenant",
      source: { kind: "ConfigMap", namespace: "demo", name: "omni" },
      targets: { namespaces: [], allNamespaces: true, exclude: ["demo"] },
      copy: {
        labels: {
          "kubed.appscode.com/origin.name": "omni",
          "kubed.appscode.com/origin.namespace": "demo",
          "kubed.appscode.com/origin.cluster": "prod-eu",
        },
        annotations: {},
      },
      prune: true,
      conflict: "skip",
    },
  ]);
  const some = kubed.fromSource!(selected!, context({ clusterName: "prod-eu" }));
  assert.deepEqual(some.errors, []);
  assert.deepEqual(some.rules[0]!.targets, {
    namespaces: [],
    allNamespaces: false,
    exclude: ["demo"],
    namespaceSelector: { matchLabels: { app: "kubed" }, matchExpressions: [] },
  });
});

test("\"true\" (older kubed) and blank values mean every namespace", () => {
  for (const value of ["true", "  "]) assert.equal(parse({ "kubed.appscode.com/sync": value }).rules[0]!.targets.allNamespaces, true, value);
});

test("set-based and negative selectors are understood", () => {
  const rule = parse({ "kubed.appscode.com/sync": "env in (dev, qa),!legacy,tier!=db" }).rules[0]!;
  assert.deepEqual(rule.targets.namespaceSelector, {
    matchLabels: {},
    matchExpressions: [
      { key: "env", operator: "In", values: ["dev", "qa"] },
      { key: "legacy", operator: "DoesNotExist" },
      { key: "tier", operator: "NotIn", values: ["db"] },
    ],
  });
});

test("an invalid selector is InvalidSelector and yields no rule", () => {
  for (const value of ["app=", "app==kubed,", "a in (x", "bad key=1", "app=kubed,,x"]) {
    const result = parse({ "kubed.appscode.com/sync": value });
    if (value === "app=") {
      // "app=" is valid: label app with an empty value
      assert.equal(result.rules.length, 1);
      continue;
    }
    assert.deepEqual(result.rules, [], value);
    assert.equal(result.errors[0]!.reason, "InvalidSelector", value);
  }
});

test("sync-contexts (other clusters) is reported as unsupported; the in-cluster sync still applies", () => {
  const result = parse({ "kubed.appscode.com/sync": "", "kubed.appscode.com/sync-contexts": "ctx-1,ctx-2" });
  assert.equal(result.rules.length, 1);
  assert.equal(result.errors[0]!.reason, "UnsupportedAnnotation");
  const onlyContexts = parse({ "kubed.appscode.com/sync-contexts": "ctx-1" });
  assert.deepEqual(onlyContexts.rules, []);
  assert.equal(onlyContexts.errors[0]!.reason, "UnsupportedAnnotation");
});

test("no cluster name, no cluster label; no annotation, nothing", () => {
  const rule = kubed.fromSource!(source("Secret", "demo", "omni", { "kubed.appscode.com/sync": "" }), context({ clusterName: "" })).rules[0]!;
  assert.equal(rule.copy.labels["kubed.appscode.com/origin.cluster"], undefined);
  assert.deepEqual(parse({ other: "x" }), { rules: [], errors: [] });
});

test("property: any metadata gives well-formed rules or typed errors, never an exception", () => {
  fc.assert(
    fc.property(sourceMetadata(kubed.triggerKeys), (meta) => {
      const result = kubed.fromSource!(meta, context());
      assertWellFormed(result, "kubed");
      for (const rule of result.rules) assert.ok(rule.targets.allNamespaces || rule.targets.namespaceSelector);
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(anything, (input) => {
      assertWellFormed(kubed.fromSource!(input as never, context()), "kubed");
    }),
    { numRuns: 200 },
  );
});
