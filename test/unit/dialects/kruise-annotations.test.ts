import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { kruiseAnnotationsDialect as kruise } from "../../../src/dialects/kruise-annotations.js";
import { anything, assertWellFormed, context, parseManifests, source, sourceFromManifest, sourceMetadata } from "./helpers.js";
import { KRUISE_STORY_1, KRUISE_STORY_2 } from "../../support/seed-documents.js";

// Copied unchanged from the seed document openkruise-resource-distribution.md (Story 1 and Story 2).
const story1 = KRUISE_STORY_1;
const story2 = KRUISE_STORY_2;

const keys = kruise.triggerKeys;
const parse = (annotations: Record<string, string>, kind: "Secret" | "ConfigMap" = "Secret") =>
  kruise.fromSource!(source(kind, "apps", "shared", annotations), context());

test("seed: Story 1 copies into ns-1, ns-2, ns-3 and Story 2 into every namespace but kube-system/kube-public", () => {
  const [secret1] = parseManifests(story1);
  const result1 = kruise.fromSource!(sourceFromManifest(secret1!), context());
  assert.deepEqual(result1.errors, []);
  assert.deepEqual(result1.rules, [
    {
      id: "kruise/Secret/default/namespaced-secret",
      origin: { dialect: "kruise", apiVersion: "v1", kind: "Secret", namespace: "default", name: "namespaced-secret" },
      scope: "tenant",
      source: { kind: "Secret", namespace: "default", name: "namespaced-secret" },
      targets: { namespaces: ["ns-1", "ns-2", "ns-3"], allNamespaces: false, exclude: ["default"] },
      copy: { labels: {}, annotations: {} },
      prune: true,
      conflict: "skip",
    },
  ]);

  const [secret2] = parseManifests(story2);
  const result2 = kruise.fromSource!(sourceFromManifest(secret2!), context());
  assert.deepEqual(result2.errors, []);
  assert.equal(result2.rules.length, 1);
  const rule = result2.rules[0]!;
  assert.equal(rule.id, "kruise/Secret/default/cluseter-level-secret");
  assert.deepEqual(rule.targets, { namespaces: [], allNamespaces: true, exclude: ["kube-system", "kube-public", "default"] });
  assert.equal(rule.scope, "tenant");
});

test("the namespace list is trimmed, empty items and duplicates are dropped", () => {
  const result = parse({ "openkruise.io/sync-to": " namespaces ", "openkruise.io/sync-to/namespaces": " ns-1 ; ;ns-2;;ns-1; " });
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.rules[0]!.targets.namespaces, ["ns-1", "ns-2"]);
});

test("the valid key openkruise.io/sync-to-namespaces (the seed's two-slash key is rejected by the API server) means the same and wins over it", () => {
  const valid = parse({ "openkruise.io/sync-to": "namespaces", "openkruise.io/sync-to-namespaces": "ns-1; ns-2" });
  assert.deepEqual(valid.errors, []);
  assert.deepEqual(valid.rules[0]!.targets.namespaces, ["ns-1", "ns-2"]);
  const both = parse({ "openkruise.io/sync-to": "namespaces", "openkruise.io/sync-to-namespaces": "ns-3", "openkruise.io/sync-to/namespaces": "ns-1" });
  assert.deepEqual(both.rules[0]!.targets.namespaces, ["ns-3"]);
  const bad = parse({ "openkruise.io/sync-to": "namespaces", "openkruise.io/sync-to-namespaces": "ns-1;Bad_NS" });
  assert.match(bad.errors[0]!.message, /^openkruise\.io\/sync-to-namespaces lists invalid namespace names "Bad_NS"/);
  const alone = parse({ "openkruise.io/sync-to-namespaces": "ns-1" });
  assert.deepEqual(alone.rules, []);
  assert.match(alone.errors[0]!.message, /^openkruise\.io\/sync-to-namespaces is set but openkruise\.io\/sync-to is missing/);
  assert.ok(keys.includes("openkruise.io/sync-to-namespaces"), "a trigger key: stripped from copies");
});

test("invalid names are reported and the valid ones still used", () => {
  const result = parse({ "openkruise.io/sync-to": "namespaces", "openkruise.io/sync-to/namespaces": "ns-1;Bad_NS;-x;ns-2;" + "a".repeat(64) });
  assert.deepEqual(result.rules[0]!.targets.namespaces, ["ns-1", "ns-2"]);
  assert.equal(result.errors.length, 1);
  assert.equal(result.errors[0]!.reason, "InvalidNamespaceName");
  assert.match(result.errors[0]!.message, /"Bad_NS", "-x"/);
});

test("any other sync-to value is an InvalidAnnotation and yields no rule", () => {
  for (const value of ["Namespaces", "all", "", "namespace", "cluster,namespaces"]) {
    const result = parse({ "openkruise.io/sync-to": value, "openkruise.io/sync-to/namespaces": "ns-1" });
    assert.deepEqual(result.rules, [], value);
    assert.equal(result.errors[0]!.reason, "InvalidAnnotation", value);
  }
});

test("a list without sync-to asks for nothing and says so", () => {
  const result = parse({ "openkruise.io/sync-to/namespaces": "ns-1" });
  assert.deepEqual(result.rules, []);
  assert.equal(result.errors[0]!.reason, "InvalidAnnotation");
  assert.match(result.errors[0]!.message, /openkruise.io\/sync-to is missing/);
});

test("sync-to namespaces with an empty list keeps a rule without targets (so old copies are pruned) and warns", () => {
  const variants: Array<Record<string, string>> = [
    { "openkruise.io/sync-to": "namespaces" },
    { "openkruise.io/sync-to": "namespaces", "openkruise.io/sync-to/namespaces": " ; ; " },
  ];
  for (const annotations of variants) {
    const result = parse(annotations);
    assert.equal(result.rules.length, 1);
    assert.deepEqual(result.rules[0]!.targets.namespaces, []);
    assert.equal(result.rules[0]!.targets.allNamespaces, false);
    assert.equal(result.errors[0]!.reason, "InvalidAnnotation");
  }
});

test("sync-to cluster ignores a namespace list, with a note", () => {
  const result = parse({ "openkruise.io/sync-to": "cluster", "openkruise.io/sync-to/namespaces": "ns-1" });
  assert.equal(result.rules[0]!.targets.allNamespaces, true);
  assert.deepEqual(result.rules[0]!.targets.namespaces, []);
  assert.equal(result.errors[0]!.reason, "IgnoredAnnotation");
});

test("ConfigMaps are distributed the same way; uid and creation time are carried", () => {
  const meta = source("ConfigMap", "apps", "settings", { "openkruise.io/sync-to": "namespaces", "openkruise.io/sync-to/namespaces": "a;b" }, {}, {
    uid: "u-1",
    creationTimestamp: "2024-01-02T03:04:05Z",
  });
  const rule = kruise.fromSource!(meta, context()).rules[0]!;
  assert.equal(rule.id, "kruise/ConfigMap/apps/settings");
  assert.deepEqual(rule.source, { kind: "ConfigMap", namespace: "apps", name: "settings" });
  assert.equal(rule.origin.uid, "u-1");
  assert.equal(rule.createdAt, "2024-01-02T03:04:05Z");
});

test("objects without the annotations (or with them only as labels) yield nothing", () => {
  assert.deepEqual(parse({ unrelated: "x" }), { rules: [], errors: [] });
  const labelled = source("Secret", "apps", "s", {}, { "openkruise.io/sync-to": "cluster" });
  assert.deepEqual(kruise.fromSource!(labelled, context()), { rules: [], errors: [] });
});

test("property: any metadata gives well-formed rules or typed errors, never an exception", () => {
  fc.assert(
    fc.property(sourceMetadata(keys), (meta) => {
      const result = kruise.fromSource!(meta, context());
      assertWellFormed(result, "kruise");
      for (const rule of result.rules) assert.ok(rule.targets.exclude.includes(meta.namespace));
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(anything, (input) => {
      assertWellFormed(kruise.fromSource!(input as never, context()), "kruise");
    }),
    { numRuns: 200 },
  );
});
