import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { parse as parseYaml } from "yaml";
import { mwsyncDialect as mwsync } from "../../../src/dialects/mwsync.js";
import { anything, assertWellFormed, context, source, sourceMetadata } from "./helpers.js";

// The seed document secret-replicator-eks.md has no YAML manifest; its two annotation snippets,
// copied unchanged from the text, are parsed as YAML here.
const seedStep4 = `4)	Master operator checks mgmt. cluster for all secrets and config maps which have an annotation 
      “mw_sec/sync: true”, in the operator namespace `;
const seedDetails = `which will replicate secrets which have annotation "mw-sync: yes" defined in the configuration`;

function annotationFrom(sentence: string): Record<string, string> {
  const snippet = /[“"]([^”"]+)[”"]/.exec(sentence)![1]!;
  const parsed = parseYaml(snippet) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(parsed).map(([key, value]) => [key, String(value)]));
}

const ctx = context({ ferryNamespace: "operator" });

test("seed: both annotations on a Secret or ConfigMap in the operator (Ferry) namespace fan out to all namespaces", () => {
  const step4 = annotationFrom(seedStep4);
  const details = annotationFrom(seedDetails);
  assert.deepEqual(step4, { "mw_sec/sync": "true" });
  assert.deepEqual(details, { "mw-sync": "yes" });
  for (const [kind, annotations] of [
    ["Secret", step4],
    ["ConfigMap", step4],
    ["Secret", details],
  ] as const) {
    const result = mwsync.fromSource!(source(kind, "operator", "regcred", annotations), ctx);
    assert.deepEqual(result.errors, []);
    assert.deepEqual(result.rules, [
      {
        id: `mwsync/${kind}/operator/regcred`,
        origin: { dialect: "mwsync", apiVersion: "v1", kind, namespace: "operator", name: "regcred" },
        scope: "administrator",
        source: { kind, namespace: "operator", name: "regcred" },
        targets: { namespaces: [], allNamespaces: true, exclude: ["operator"] },
        copy: { labels: {}, annotations: {} },
        prune: true,
        conflict: "skip",
      },
    ]);
    // Copies must not look like sources: the annotations are trigger keys (stripped from copies).
    assert.equal(result.rules[0]!.copy.keepMetadataPrefixes, undefined);
  }
  assert.deepEqual([...mwsync.triggerKeys].sort(), ["mw-sync", "mw_sec/sync"]);
});

test("outside Ferry's namespace the annotation is refused", () => {
  const result = mwsync.fromSource!(source("Secret", "team-a", "regcred", { "mw-sync": "yes" }), ctx);
  assert.deepEqual(result.rules, []);
  assert.equal(result.errors[0]!.reason, "NotInFerryNamespace");
  assert.match(result.errors[0]!.message, /"operator"/);
});

test("values are case-insensitive; false/no ask for nothing; anything else is an error", () => {
  for (const value of ["TRUE", " Yes ", "true"]) assert.equal(mwsync.fromSource!(source("Secret", "operator", "s", { "mw-sync": value }), ctx).rules.length, 1, value);
  for (const value of ["false", "no", ""]) assert.deepEqual(mwsync.fromSource!(source("Secret", "operator", "s", { "mw-sync": value }), ctx), { rules: [], errors: [] }, value);
  const result = mwsync.fromSource!(source("Secret", "operator", "s", { "mw_sec/sync": "maybe" }), ctx);
  assert.deepEqual(result.rules, []);
  assert.equal(result.errors[0]!.reason, "InvalidAnnotation");
  // one valid key is enough; the invalid other is still reported
  const mixed = mwsync.fromSource!(source("Secret", "operator", "s", { "mw_sec/sync": "maybe", "mw-sync": "yes" }), ctx);
  assert.equal(mixed.rules.length, 1);
  assert.equal(mixed.errors[0]!.reason, "InvalidAnnotation");
  // "no" outside Ferry's namespace asks for nothing, so nothing is refused
  assert.deepEqual(mwsync.fromSource!(source("Secret", "team-a", "s", { "mw-sync": "no" }), ctx), { rules: [], errors: [] });
});

test("labels with the annotation keys do not count", () => {
  assert.deepEqual(mwsync.fromSource!(source("Secret", "operator", "s", {}, { "mw-sync": "yes" }), ctx), { rules: [], errors: [] });
});

test("property: any metadata gives well-formed rules or typed errors, never an exception", () => {
  fc.assert(
    fc.property(sourceMetadata(mwsync.triggerKeys), fc.constantFrom("ferry-system", "default", "operator"), (meta, ferryNamespace) => {
      const result = mwsync.fromSource!(meta, context({ ferryNamespace }));
      assertWellFormed(result, "mwsync");
      for (const rule of result.rules) {
        assert.equal(rule.source.namespace, ferryNamespace);
        assert.equal(rule.scope, "administrator");
        assert.equal(rule.targets.allNamespaces, true);
      }
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(anything, (input) => {
      assertWellFormed(mwsync.fromSource!(input as never, ctx), "mwsync");
    }),
    { numRuns: 200 },
  );
});
