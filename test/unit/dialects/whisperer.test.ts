import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { whispererDialect as whisperer } from "../../../src/dialects/whisperer.js";
import { anything, assertWellFormed, context, parseManifests, source, sourceFromManifest, sourceMetadata } from "./helpers.js";
import { WHISPERER_SYNC_YAML } from "../../support/seed-documents.js";

// Copied unchanged from the seed document whisperer-rs.md (sync.yaml).
const syncYaml = WHISPERER_SYNC_YAML;

const LABEL = { "secret-syncer.jeffl.es/sync": "true" };
const parse = (annotations: Record<string, string>, labels: Record<string, string> = LABEL, kind: "Secret" | "ConfigMap" = "Secret") =>
  whisperer.fromSource!(source(kind, "source", "sync", annotations, labels), context());

test("seed: sync.yaml mirrors source/sync into target, target2 and missing, with whisperer's mirror labels", () => {
  const secrets = parseManifests(syncYaml).filter((manifest) => manifest.kind === "Secret");
  assert.equal(secrets.length, 1);
  const result = whisperer.fromSource!(sourceFromManifest(secrets[0]!), context());
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.rules, [
    {
      id: "whisperer/Secret/source/sync",
      origin: { dialect: "whisperer", apiVersion: "v1", kind: "Secret", namespace: "source", name: "sync" },
      scope: "tenant",
      source: { kind: "Secret", namespace: "source", name: "sync" },
      // "missing" stays: the engine reports it as NamespaceNotFound and fills it once it exists.
      targets: { namespaces: ["target", "target2", "missing"], allNamespaces: false, exclude: ["source"] },
      copy: {
        labels: {
          "secret-syncer.jeffl.es/mirror": "true",
          "secret-syncer.jeffl.es/name": "sync",
          "secret-syncer.jeffl.es/namespace": "source",
        },
        annotations: {},
      },
      prune: true,
      conflict: "skip",
    },
  ]);
  // The copies are not sources: the sync label is a trigger key, stripped from copies.
  assert.ok(whisperer.triggerKeys.includes("secret-syncer.jeffl.es/sync"));
  assert.ok(!whisperer.triggerKeys.includes("secret-syncer.jeffl.es/mirror"));
});

test("the list is trimmed, empty items and duplicates dropped", () => {
  const result = parse({ "secret-syncer.jeffl.es/namespaces": " a, ,b,,a , " });
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.rules[0]!.targets.namespaces, ["a", "b"]);
});

test("invalid names are reported, valid ones used", () => {
  const result = parse({ "secret-syncer.jeffl.es/namespaces": "a,Bad.Name,b" });
  assert.deepEqual(result.rules[0]!.targets.namespaces, ["a", "b"]);
  assert.equal(result.errors[0]!.reason, "InvalidNamespaceName");
  assert.match(result.errors[0]!.message, /"Bad.Name"/);
});

test("without the label (or with another value) the annotation is inert", () => {
  assert.deepEqual(parse({ "secret-syncer.jeffl.es/namespaces": "a" }, {}), { rules: [], errors: [] });
  assert.deepEqual(parse({ "secret-syncer.jeffl.es/namespaces": "a" }, { "secret-syncer.jeffl.es/sync": "false" }), { rules: [], errors: [] });
  // an annotation (not a label) named like the label does not count either
  assert.deepEqual(parse({ "secret-syncer.jeffl.es/sync": "true", "secret-syncer.jeffl.es/namespaces": "a" }, {}), { rules: [], errors: [] });
});

test("the label without a namespace list keeps a rule without targets and warns", () => {
  const result = parse({});
  assert.deepEqual(result.rules[0]!.targets.namespaces, []);
  assert.equal(result.errors[0]!.reason, "InvalidAnnotation");
});

test("whisperer mirrors Secrets only: a labelled ConfigMap is an error", () => {
  const result = parse({ "secret-syncer.jeffl.es/namespaces": "a" }, LABEL, "ConfigMap");
  assert.deepEqual(result.rules, []);
  assert.equal(result.errors[0]!.reason, "UnsupportedKind");
});

test("long source names still make valid mirror label values", () => {
  const name = `${"a".repeat(70)}.example.com`;
  const result = whisperer.fromSource!(source("Secret", "source", name, { "secret-syncer.jeffl.es/namespaces": "x" }, LABEL), context());
  const value = result.rules[0]!.copy.labels["secret-syncer.jeffl.es/name"]!;
  assert.ok(value.length <= 63 && /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(value));
});

test("property: any metadata gives well-formed rules or typed errors, never an exception", () => {
  const keys = [...whisperer.triggerKeys];
  fc.assert(
    fc.property(sourceMetadata(keys), fc.boolean(), (meta, labelled) => {
      if (labelled) meta.labels["secret-syncer.jeffl.es/sync"] = "true";
      const result = whisperer.fromSource!(meta, context());
      assertWellFormed(result, "whisperer");
      for (const rule of result.rules) {
        assert.equal(rule.source.kind, "Secret");
        assert.equal(rule.copy.labels["secret-syncer.jeffl.es/mirror"], "true");
      }
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(anything, (input) => {
      assertWellFormed(whisperer.fromSource!(input as never, context()), "whisperer");
    }),
    { numRuns: 200 },
  );
});
