import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { replicatorDialect as replicator } from "../../../src/dialects/replicator.js";
import type { SourceMetadata } from "../../../src/dialects/dialect.js";
import { anything, assertWellFormed, awkwardString, context, namespaceName, parseManifests, source, sourceFromManifest, sourceMetadata } from "./helpers.js";

// There is no seed document for kubernetes-replicator; this follows the usage its README shows:
// a source that permits pulls, a push by names/regexes and labels, and an empty object that pulls.
const readmeStyle = `apiVersion: v1
kind: Secret
metadata:
  name: some-secret
  namespace: default
  annotations:
    replicator.v1.mittwald.de/replication-allowed: "true"
    replicator.v1.mittwald.de/replication-allowed-namespaces: "my-ns-1,namespace-[0-9]*"
data:
  key1: dmFsdWU=
---
apiVersion: v1
kind: Secret
metadata:
  name: pushed
  namespace: default
  annotations:
    replicator.v1.mittwald.de/replicate-to: "my-ns-1,namespace-[0-9]*"
    replicator.v1.mittwald.de/replicate-to-matching: >
      my-label=value,my-other-label,my-other-label notin (foo,bar)
data:
  key1: dmFsdWU=
---
apiVersion: v1
kind: Secret
metadata:
  name: secret-replica
  namespace: namespace-7
  annotations:
    replicator.v1.mittwald.de/replicate-from: default/some-secret
data: {}
`;

const P = "replicator.v1.mittwald.de/";
const allowing = (namespaces: string, allowed = "true") =>
  source("Secret", "default", "some-secret", { [`${P}replication-allowed`]: allowed, [`${P}replication-allowed-namespaces`]: namespaces });
const replica = (from: string, namespace = "namespace-7", extra: Record<string, string> = {}): SourceMetadata =>
  source("Secret", namespace, "secret-replica", { [`${P}replicate-from`]: from, ...extra }, {}, { creationTimestamp: "2024-02-02T00:00:00Z" });

test("example: consent alone asks nothing; push by names, regexes and labels; pull into the replica", () => {
  const manifests = parseManifests(readmeStyle).map((manifest) => sourceFromManifest(manifest));
  const [consenting, pushed, pulling] = manifests as [SourceMetadata, SourceMetadata, SourceMetadata];
  const ctx = context({ sources: manifests });
  assert.deepEqual(replicator.fromSource!(consenting, ctx), { rules: [], errors: [] });

  const push = replicator.fromSource!(pushed, ctx);
  assert.deepEqual(push.errors, []);
  assert.deepEqual(push.rules, [
    {
      id: "replicator/Secret/default/pushed/push",
      origin: { dialect: "replicator", apiVersion: "v1", kind: "Secret", namespace: "default", name: "pushed" },
      scope: "tenant",
      source: { kind: "Secret", namespace: "default", name: "pushed" },
      targets: {
        namespaces: ["my-ns-1"],
        namespaceRegexes: ["namespace-[0-9]*"],
        namespaceSelector: {
          matchLabels: { "my-label": "value" },
          matchExpressions: [
            { key: "my-other-label", operator: "Exists" },
            { key: "my-other-label", operator: "NotIn", values: ["foo", "bar"] },
          ],
        },
        allNamespaces: false,
        exclude: ["default"],
      },
      copy: { labels: {}, annotations: {} },
      prune: true,
      conflict: "skip",
    },
  ]);

  const pull = replicator.fromSource!(pulling, ctx);
  assert.deepEqual(pull.errors, []);
  assert.deepEqual(pull.rules, [
    {
      id: "replicator/Secret/namespace-7/secret-replica/pull",
      origin: { dialect: "replicator", apiVersion: "v1", kind: "Secret", namespace: "namespace-7", name: "secret-replica" },
      scope: "tenant",
      source: { kind: "Secret", namespace: "default", name: "some-secret" },
      targets: { namespaces: ["namespace-7"], allNamespaces: false, exclude: [] },
      copy: { name: "secret-replica", labels: {}, annotations: {} },
      prune: false,
      conflict: "overwrite",
      pull: true,
    },
  ]);
});

test("pull without consent is ReplicationNotAllowed, whatever is missing", () => {
  const cases: Array<[SourceMetadata, RegExp]> = [
    [allowing("namespace-[0-9]*", "false"), /replication-allowed is not "true"/],
    [allowing("namespace-[0-9]*", "yes"), /replication-allowed is not "true"/],
    [source("Secret", "default", "some-secret", { [`${P}replication-allowed`]: "true" }), /replication-allowed-namespaces is missing/],
    [allowing("my-ns-1,other-[a-z]+"), /into namespace namespace-7/],
    [allowing("namespace-"), /into namespace namespace-7/],
  ];
  for (const [consent, pattern] of cases) {
    const result = replicator.fromSource!(replica("default/some-secret"), context({ sources: [consent] }));
    assert.deepEqual(result.rules, [], String(pattern));
    assert.equal(result.errors[0]!.reason, "ReplicationNotAllowed");
    assert.match(result.errors[0]!.message, pattern);
  }
});

test("consent patterns are trimmed and anchored; ParseBool spellings of true are accepted", () => {
  for (const [allowed, flag] of [
    [" my-ns-1 , namespace-[0-9]* ", "True"],
    ["^namespace-7$", "1"],
    ["namespace-.*", "t"],
  ]) {
    const result = replicator.fromSource!(replica("default/some-secret"), context({ sources: [allowing(allowed!, flag)] }));
    assert.equal(result.rules.length, 1, `${allowed} ${flag}`);
  }
});

test("pull problems: bad reference, self reference, missing source; push annotations are ignored on a puller", () => {
  const ctx = context({ sources: [allowing(".*")] });
  for (const from of ["some-secret", "default/", "/x", "Default/some-secret", "default/Bad_Name"]) {
    const result = replicator.fromSource!(replica(from), ctx);
    assert.deepEqual(result.rules, [], from);
    assert.equal(result.errors[0]!.reason, "InvalidAnnotation", from);
  }
  assert.equal(replicator.fromSource!(replica("namespace-7/secret-replica"), ctx).errors[0]!.reason, "InvalidAnnotation");
  assert.equal(replicator.fromSource!(replica("default/other"), ctx).errors[0]!.reason, "SourceNotFound");
  const both = replicator.fromSource!(replica("default/some-secret", "namespace-7", { [`${P}replicate-to`]: "x" }), ctx);
  assert.equal(both.rules.length, 1);
  assert.ok(both.rules[0]!.pull);
  assert.equal(both.errors[0]!.reason, "IgnoredAnnotation");
});

test("pull looks for a source of the same kind", () => {
  const configMapReplica = { ...replica("default/some-secret"), kind: "ConfigMap" as const };
  assert.equal(replicator.fromSource!(configMapReplica, context({ sources: [allowing(".*")] })).errors[0]!.reason, "SourceNotFound");
});

test("push lists: trimmed, empties dropped, invalid regexes reported, other items kept", () => {
  const result = replicator.fromSource!(source("ConfigMap", "apps", "cfg", { [`${P}replicate-to`]: " a, ,b,[unclosed, app-.* ,a" }), context());
  const rule = result.rules[0]!;
  assert.deepEqual(rule.targets.namespaces, ["a", "b"]);
  assert.deepEqual(rule.targets.namespaceRegexes, ["app-.*"]);
  assert.equal(result.errors[0]!.reason, "InvalidPattern");
  assert.match(result.errors[0]!.message, /"\[unclosed"/);
});

test("push by labels: an invalid selector is an error (names still apply); an empty one selects all namespaces", () => {
  const invalid = replicator.fromSource!(source("Secret", "apps", "s", { [`${P}replicate-to-matching`]: "a in (x", [`${P}replicate-to`]: "b" }), context());
  assert.equal(invalid.errors[0]!.reason, "InvalidSelector");
  assert.deepEqual(invalid.rules[0]!.targets.namespaces, ["b"]);
  assert.equal(invalid.rules[0]!.targets.namespaceSelector, undefined);
  const invalidOnly = replicator.fromSource!(source("Secret", "apps", "s", { [`${P}replicate-to-matching`]: "=x" }), context());
  assert.deepEqual(invalidOnly.rules, []);
  const empty = replicator.fromSource!(source("Secret", "apps", "s", { [`${P}replicate-to-matching`]: "" }), context());
  assert.equal(empty.rules[0]!.targets.allNamespaces, true);
});

test("a regex matching the source's own namespace never copies onto the source", () => {
  const rule = replicator.fromSource!(source("Secret", "apps", "s", { [`${P}replicate-to`]: ".*" }), context()).rules[0]!;
  assert.deepEqual(rule.targets.exclude, ["apps"]);
});

test("property: any metadata gives well-formed rules or typed errors, never an exception", () => {
  const keys = replicator.triggerKeys;
  const sources = fc.array(
    fc.record({
      kind: fc.constantFrom<"Secret" | "ConfigMap">("Secret", "ConfigMap"),
      namespace: namespaceName,
      name: fc.constantFrom("src", "sync"),
      labels: fc.constant({}),
      annotations: fc.dictionary(fc.constantFrom(...keys), awkwardString, { maxKeys: 3 }),
    }),
    { maxLength: 3 },
  );
  fc.assert(
    fc.property(sourceMetadata(keys), sources, fc.option(fc.tuple(namespaceName, fc.constantFrom("src", "sync"))), (meta, world, from) => {
      if (from) meta.annotations[`${P}replicate-from`] = `${from[0]}/${from[1]}`;
      const result = replicator.fromSource!(meta, context({ sources: world }));
      assertWellFormed(result, "replicator");
      for (const rule of result.rules) {
        if (rule.pull) {
          assert.deepEqual(rule.targets.namespaces, [meta.namespace]);
          assert.equal(rule.copy.name, meta.name);
          assert.ok(world.some((entry) => entry.namespace === rule.source.namespace && entry.name === rule.source.name && entry.kind === meta.kind));
        } else assert.ok(rule.targets.exclude.includes(meta.namespace));
      }
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(anything, (input) => {
      assertWellFormed(replicator.fromSource!(input as never, context()), "replicator");
    }),
    { numRuns: 200 },
  );
});
