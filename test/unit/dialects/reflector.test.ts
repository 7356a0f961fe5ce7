import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { matchesLabelSelector } from "../../../src/core/label-selector.js";
import { anchoredRegExp } from "../../../src/core/name-pattern.js";
import type { Rule } from "../../../src/core/types.js";
import type { SourceMetadata } from "../../../src/dialects/dialect.js";
import { reflectorDialect as reflector } from "../../../src/dialects/reflector.js";
import { anything, assertWellFormed, awkwardString, context, namespaceName, parseManifests, source, sourceFromManifest, sourceMetadata } from "./helpers.js";

// There is no seed document for Reflector; this follows the usage its README shows: a source
// permitting reflection with automatic mirrors, and a mirror that reflects a source.
const readmeStyle = `apiVersion: v1
kind: Secret
metadata:
  name: source-secret
  namespace: default
  annotations:
    reflector.v1.k8s.emberstack.com/reflection-allowed: "true"
    reflector.v1.k8s.emberstack.com/reflection-allowed-namespaces: "namespace-1,namespace-2,namespace-[0-9]*"
    reflector.v1.k8s.emberstack.com/reflection-auto-enabled: "true"
data:
  key: dmFsdWU=
---
apiVersion: v1
kind: Secret
metadata:
  name: mirror-secret
  namespace: namespace-3
  annotations:
    reflector.v1.k8s.emberstack.com/reflects: "default/source-secret"
data: {}
`;

const P = "reflector.v1.k8s.emberstack.com/";
const src = (annotations: Record<string, string>, namespace = "default") => source("Secret", namespace, "source-secret", annotations);
const push = (annotations: Record<string, string>) => reflector.fromSource!(src({ [`${P}reflection-allowed`]: "true", [`${P}reflection-auto-enabled`]: "true", ...annotations }), context());

/** Which of the given namespaces (name -> labels) a rule's targets select, before policy. */
function selected(rule: Rule, namespaces: Record<string, Record<string, string>>): string[] {
  const t = rule.targets;
  return Object.entries(namespaces)
    .filter(([name, labels]) => {
      const hit =
        t.allNamespaces ||
        t.namespaces.includes(name) ||
        (t.namespaceRegexes ?? []).some((r) => anchoredRegExp(r).test(name)) ||
        (t.namespaceSelector !== undefined && matchesLabelSelector(t.namespaceSelector, labels));
      const out = t.exclude.includes(name) || (t.excludeRegexes ?? []).some((r) => anchoredRegExp(r).test(name));
      return hit && !out;
    })
    .map(([name]) => name);
}

test("example: automatic mirrors go to the allowed namespaces; the mirror pulls from its source", () => {
  const manifests = parseManifests(readmeStyle).map((manifest) => sourceFromManifest(manifest));
  const [sourceSecret, mirror] = manifests as [SourceMetadata, SourceMetadata];
  const ctx = context({ sources: manifests });
  const pushed = reflector.fromSource!(sourceSecret, ctx);
  assert.deepEqual(pushed.errors, []);
  assert.deepEqual(pushed.rules, [
    {
      id: "reflector/Secret/default/source-secret/push",
      origin: { dialect: "reflector", apiVersion: "v1", kind: "Secret", namespace: "default", name: "source-secret" },
      scope: "tenant",
      source: { kind: "Secret", namespace: "default", name: "source-secret" },
      targets: { namespaces: ["namespace-1", "namespace-2"], namespaceRegexes: ["namespace-[0-9]*"], allNamespaces: false, exclude: ["default"] },
      copy: { labels: {}, annotations: {} },
      prune: true,
      conflict: "skip",
    },
  ]);
  const pulled = reflector.fromSource!(mirror, ctx);
  assert.deepEqual(pulled.errors, []);
  assert.deepEqual(pulled.rules, [
    {
      id: "reflector/Secret/namespace-3/mirror-secret/pull",
      origin: { dialect: "reflector", apiVersion: "v1", kind: "Secret", namespace: "namespace-3", name: "mirror-secret" },
      scope: "tenant",
      source: { kind: "Secret", namespace: "default", name: "source-secret" },
      targets: { namespaces: ["namespace-3"], allNamespaces: false, exclude: [] },
      copy: { name: "mirror-secret", labels: {}, annotations: {} },
      prune: false,
      conflict: "overwrite",
      pull: true,
    },
  ]);
});

test("push: no allowed list = all namespaces; auto list narrows it; absent auto list = all allowed", () => {
  assert.equal(push({}).rules[0]!.targets.allNamespaces, true);
  assert.equal(push({ [`${P}reflection-allowed-namespaces`]: "" }).rules[0]!.targets.allNamespaces, true);
  const auto = push({ [`${P}reflection-auto-namespaces`]: "a, b" }).rules[0]!;
  assert.deepEqual([auto.targets.namespaces, auto.targets.allNamespaces], [["a", "b"], false]);
});

test("push: allowed ∩ auto, names filtered, regexes cut down by exclusion", () => {
  const result = push({
    [`${P}reflection-allowed-namespaces`]: "team-a,team-[0-9]+",
    [`${P}reflection-auto-namespaces`]: "team-a,team-b,team-7,team-.*",
  });
  assert.deepEqual(result.errors, []);
  const rule = result.rules[0]!;
  assert.deepEqual(rule.targets.namespaces, ["team-a", "team-7"]);
  const world = { "team-a": {}, "team-b": {}, "team-7": {}, "team-42": {}, "team-x": {}, other: {}, default: {} };
  assert.deepEqual(selected(rule, world).sort(), ["team-42", "team-7", "team-a"]);
});

test("push: an auto selector within an allowed list", () => {
  const rule = push({ [`${P}reflection-allowed-namespaces`]: "prod-.*", [`${P}reflection-auto-namespaces-selector`]: "tier" }).rules[0]!;
  assert.deepEqual(rule.targets.namespaceSelector, { matchLabels: {}, matchExpressions: [{ key: "tier", operator: "Exists" }] });
  assert.deepEqual(selected(rule, { "prod-1": { tier: "x" }, "dev-1": { tier: "x" }, "prod-2": {} }), ["prod-1"]);
});

test("push: an allowed selector with a regex/selector auto set cannot be intersected and is reported", () => {
  const result = push({ [`${P}reflection-allowed-namespaces-selector`]: "team=a", [`${P}reflection-auto-namespaces`]: "x-.*" });
  assert.equal(result.errors[0]!.reason, "UnsupportedAnnotation");
  assert.deepEqual(result.rules[0]!.targets, { namespaces: [], allNamespaces: false, exclude: ["default"] });
  const byName = push({
    [`${P}reflection-allowed-namespaces`]: "a",
    [`${P}reflection-allowed-namespaces-selector`]: "team=a",
    [`${P}reflection-auto-namespaces`]: "a,b",
  });
  assert.deepEqual(byName.rules[0]!.targets.namespaces, ["a"]);
  assert.match(byName.errors[0]!.message, /"b"/);
  const autoAll = push({ [`${P}reflection-allowed-namespaces-selector`]: "team=a" }).rules[0]!;
  assert.deepEqual(autoAll.targets.namespaceSelector, { matchLabels: { team: "a" }, matchExpressions: [] });
});

test("push needs reflection-allowed; flags follow .NET bool parsing", () => {
  const refused = reflector.fromSource!(src({ [`${P}reflection-auto-enabled`]: "true" }), context());
  assert.deepEqual(refused.rules, []);
  assert.equal(refused.errors[0]!.reason, "InvalidAnnotation");
  assert.equal(reflector.fromSource!(src({ [`${P}reflection-allowed`]: " TRUE ", [`${P}reflection-auto-enabled`]: "True" }), context()).rules.length, 1);
  assert.deepEqual(reflector.fromSource!(src({ [`${P}reflection-allowed`]: "true", [`${P}reflection-auto-enabled`]: "yes" }), context()), { rules: [], errors: [] });
});

test("a blank-only allowed list permits nothing (as in Reflector); invalid regexes are reported", () => {
  const rule = push({ [`${P}reflection-allowed-namespaces`]: " , ", [`${P}reflection-auto-namespaces`]: "a,x-.*" }).rules[0]!;
  assert.deepEqual(rule.targets.namespaces, []);
  assert.deepEqual(selected(rule, { a: {}, "x-1": {} }), []);
  const invalid = push({ [`${P}reflection-auto-namespaces`]: "a,(" });
  assert.equal(invalid.errors[0]!.reason, "InvalidPattern");
  assert.deepEqual(invalid.rules[0]!.targets.namespaces, ["a"]);
});

test("pull: consent checked on the source; a bare name means the mirror's namespace", () => {
  const ok = src({ [`${P}reflection-allowed`]: "true", [`${P}reflection-allowed-namespaces`]: "apps" }, "apps");
  const mirror = source("Secret", "apps", "mirror", { [`${P}reflects`]: "source-secret" });
  assert.equal(reflector.fromSource!(mirror, context({ sources: [ok] })).rules[0]!.source.namespace, "apps");
  const notAllowed = src({ [`${P}reflection-allowed`]: "false" }, "apps");
  assert.equal(reflector.fromSource!(mirror, context({ sources: [notAllowed] })).errors[0]!.reason, "ReflectionNotAllowed");
  const elsewhere = src({ [`${P}reflection-allowed`]: "true", [`${P}reflection-allowed-namespaces`]: "other" }, "apps");
  assert.equal(reflector.fromSource!(mirror, context({ sources: [elsewhere] })).errors[0]!.reason, "ReflectionNotAllowed");
  const bySelector = src({ [`${P}reflection-allowed`]: "true", [`${P}reflection-allowed-namespaces-selector`]: "team=a" }, "apps");
  assert.equal(reflector.fromSource!(mirror, context({ sources: [bySelector] })).errors[0]!.reason, "UnsupportedAnnotation");
  assert.equal(reflector.fromSource!(mirror, context()).errors[0]!.reason, "SourceNotFound");
});

test("pull problems: bad reference, self reference; an empty reflects is no reflection", () => {
  for (const value of ["Bad/x", "ns/", "apps/mirror"]) {
    const result = reflector.fromSource!(source("Secret", "apps", "mirror", { [`${P}reflects`]: value }), context());
    assert.deepEqual(result.rules, [], value);
    assert.equal(result.errors[0]!.reason, "InvalidAnnotation", value);
  }
  assert.deepEqual(reflector.fromSource!(source("Secret", "apps", "mirror", { [`${P}reflects`]: " " }), context()), { rules: [], errors: [] });
});

test("Reflector's own automatic mirrors are left alone", () => {
  const ok = src({ [`${P}reflection-allowed`]: "true" });
  const autoMirror = source("Secret", "apps", "source-secret", { [`${P}reflects`]: "default/source-secret", [`${P}auto-reflects`]: "True" });
  assert.deepEqual(reflector.fromSource!(autoMirror, context({ sources: [ok] })), { rules: [], errors: [] });
});

test("an object can both reflect a source and auto-reflect itself", () => {
  const upstream = src({ [`${P}reflection-allowed`]: "true" });
  const both = source("Secret", "apps", "relay", {
    [`${P}reflects`]: "default/source-secret",
    [`${P}reflection-allowed`]: "true",
    [`${P}reflection-auto-enabled`]: "true",
    [`${P}reflection-auto-namespaces`]: "x",
  });
  const result = reflector.fromSource!(both, context({ sources: [upstream] }));
  assert.deepEqual(result.rules.map((rule) => rule.id), ["reflector/Secret/apps/relay/pull", "reflector/Secret/apps/relay/push"]);
});

test("property: any metadata gives well-formed rules or typed errors, never an exception", () => {
  const keys = [...reflector.triggerKeys, `${P}auto-reflects`];
  const sources = fc.array(
    fc.record({
      kind: fc.constantFrom<"Secret" | "ConfigMap">("Secret", "ConfigMap"),
      namespace: namespaceName,
      name: fc.constantFrom("src", "sync"),
      labels: fc.constant({}),
      annotations: fc.dictionary(fc.constantFrom(...keys), awkwardString, { maxKeys: 4 }),
    }),
    { maxLength: 3 },
  );
  fc.assert(
    fc.property(sourceMetadata(keys), sources, fc.option(fc.tuple(namespaceName, fc.constantFrom("src", "sync"))), (meta, world, from) => {
      if (from) meta.annotations[`${P}reflects`] = `${from[0]}/${from[1]}`;
      const result = reflector.fromSource!(meta, context({ sources: world }));
      assertWellFormed(result, "reflector");
      for (const rule of result.rules) if (!rule.pull) assert.ok(rule.targets.exclude.includes(meta.namespace));
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(anything, (input) => {
      assertWellFormed(reflector.fromSource!(input as never, context()), "reflector");
    }),
    { numRuns: 200 },
  );
});
