import { test } from "node:test";
import assert from "node:assert/strict";
import { carriesKey, matchesKey } from "../../../src/core/key-match.js";
import { builtInDialects as allDialects } from "../../../src/dialects/all.js";
import type { Dialect } from "../../../src/dialects/dialect.js";
import { copyMarksOf, dialectByName, relevantKeys, selectDialects, triggerKeysOf } from "../../../src/dialects/index.js";
import { parseSource } from "../../../src/dialects/parse.js";
import { registryCredsDialect } from "../../../src/registry/registry-dialect.js";
import { context, source } from "./helpers.js";

const nativeRule = () => allDialects[0]!.fromSource!(source("Secret", "a", "s", { "ferry.dev/sync-to": "b" }), context()).rules[0]!;

test("every dialect is registered once, under a unique name, native first (new dialects follow the seed's)", () => {
  const names = allDialects.map((dialect) => dialect.name);
  assert.deepEqual(names.slice(0, 9), ["native", "kruise", "kruise-rd", "whisperer", "stakater", "mwsync", "replicator", "reflector", "kubed"]);
  assert.equal(new Set(names).size, names.length);
  assert.equal(dialectByName(allDialects, "kubed")?.name, "kubed");
  assert.equal(dialectByName(allDialects, "nope"), undefined);
});

test("trigger keys: the union, sorted and deduplicated; prefixes match keys under them", () => {
  const keys = triggerKeysOf(allDialects);
  assert.deepEqual(keys, [...new Set(keys)].sort());
  for (const key of ["openkruise.io/sync-to", "secret-syncer.jeffl.es/sync", "mw-sync", "replicator.v1.mittwald.de/replicate-from", "reflector.v1.k8s.emberstack.com/reflects", "kubed.appscode.com/sync"]) {
    assert.ok(keys.includes(key), key);
  }
  assert.ok(matchesKey("example.com/anything", ["example.com/"]));
  assert.ok(!matchesKey("example.com", ["example.com/"]));
  assert.ok(carriesKey({ labels: { "secret-syncer.jeffl.es/sync": "true" } }, keys));
  assert.ok(!carriesKey({ labels: {}, annotations: { "secret-syncer.jeffl.es/mirror": "true" } }, keys));
});

test("a source without any trigger key gets nothing from any dialect", () => {
  const plain = source("Secret", "default", "plain", { "kubectl.kubernetes.io/last-applied-configuration": "{}" }, { app: "x" });
  for (const dialect of allDialects) {
    if (dialect.fromSource) assert.deepEqual(dialect.fromSource(plain, context()), { rules: [], errors: [] }, dialect.name);
  }
});

test("custom resource dialects declare the types they read", () => {
  const types = allDialects.flatMap((dialect) => dialect.customResourceTypes ?? []).map((type) => `${type.plural}.${type.group}/${type.version}:${type.namespaced}`);
  assert.deepEqual(types.sort(), [
    "clusterdistributions.ferry.dev/v1alpha1:false",
    "distributions.ferry.dev/v1alpha1:true",
    "resourcedistributions.apps.kruise.io/v1alpha1:false",
    "templategroupinstances.tenantoperator.stakater.com/v1alpha1:false",
    "templateinstances.tenantoperator.stakater.com/v1alpha1:true",
    "templates.tenantoperator.stakater.com/v1alpha1:false",
  ]);
});

test("a failing lookup in the context becomes a typed InternalError, never an exception", () => {
  const throwing = {
    ...context(),
    lookupSource: () => {
      throw new Error("store unavailable");
    },
    lookupCustomResource: () => {
      throw new Error("store unavailable");
    },
  };
  const puller = source("Secret", "apps", "replica", {
    "replicator.v1.mittwald.de/replicate-from": "default/src",
    "reflector.v1.k8s.emberstack.com/reflects": "default/src",
  });
  for (const name of ["replicator", "reflector"]) {
    const result = dialectByName(allDialects, name)!.fromSource!(puller, throwing);
    assert.deepEqual(result.rules, [], name);
    assert.equal(result.errors[0]!.reason, "InternalError", name);
    assert.ok(!result.errors[0]!.message.includes("store unavailable"), "the exception's text is not echoed");
  }
  const tgi = {
    apiVersion: "tenantoperator.stakater.com/v1alpha1",
    kind: "TemplateGroupInstance",
    metadata: { name: "tgi", labels: {}, annotations: {} },
    spec: { template: "t", selector: { matchLabels: { a: "b" } } },
  };
  const result = dialectByName(allDialects, "stakater")!.fromCustomResource!(tgi, throwing);
  assert.equal(result.errors[0]!.reason, "InternalError");
});

test("every dialect declares who authors each of its inputs", () => {
  for (const dialect of [...allDialects, registryCredsDialect]) {
    if (dialect.fromSource) assert.ok(dialect.scopes.source, `${dialect.name}: scope of its annotations`);
    for (const type of dialect.customResourceTypes ?? []) assert.ok(dialect.scopes.resources?.[type.kind], `${dialect.name}: scope of ${type.kind}`);
  }
  // The table of docs/dialects.md: whatever a tenant can create in its own namespace (annotations
  // on a Secret/ConfigMap, a namespaced resource) is a tenant's; cluster-scoped resources and
  // objects in Ferry's own namespace are an administrator's.
  const scopes = Object.fromEntries([...allDialects, registryCredsDialect].map((d) => [d.name, d.scopes]));
  assert.deepEqual(scopes, {
    native: { source: "tenant", resources: { Distribution: "tenant", ClusterDistribution: "administrator" } },
    kruise: { source: "tenant" },
    "kruise-rd": { resources: { ResourceDistribution: "administrator" } },
    whisperer: { source: "tenant" },
    stakater: { resources: { Template: "administrator", TemplateGroupInstance: "administrator", TemplateInstance: "tenant" } },
    mwsync: { source: "administrator" },
    replicator: { source: "tenant" },
    reflector: { source: "tenant" },
    kubed: { source: "tenant" },
    "registry-creds": { source: "administrator" },
  });
});

test("parsing enforces the declared scope, and a dialect without one yields an error, never a rule", () => {
  const rule = { ...nativeRule(), scope: "administrator" as const };
  const liar: Dialect = { name: "liar", triggerKeys: ["x"], scopes: { source: "tenant" }, fromSource: () => ({ rules: [rule], errors: [] }) };
  assert.equal(parseSource(liar, source("Secret", "a", "s", { x: "1" }), context()).rules[0]!.scope, "tenant");
  const silent: Dialect = { ...liar, scopes: {} };
  const result = parseSource(silent, source("Secret", "a", "s", { x: "1" }), context());
  assert.deepEqual(result.rules, []);
  assert.match(result.errors[0]!.message, /declares no scope/);
  const thrower: Dialect = {
    ...liar,
    fromSource: () => {
      throw new Error("bug");
    },
  };
  assert.equal(parseSource(thrower, source("Secret", "a", "s", { x: "1" }), context()).errors[0]!.reason, "ParseError");
});

test("copy marks: each peer tool's, by dialect; the keys an unrelated object must keep are trigger keys and marks", () => {
  const marks = copyMarksOf(allDialects);
  assert.deepEqual([...marks.keys()].sort(), allDialects.filter((d) => d.copyMarks).map((d) => d.name).sort(), "by dialect name, every dialect that declares marks");
  const peers = Object.fromEntries(["kubed", "reflector", "replicator", "whisperer"].map((name) => [name, [...(marks.get(name)?.keys ?? [])].sort()]));
  assert.deepEqual(peers, {
    kubed: ["kubed.appscode.com/origin"],
    reflector: ["reflector.v1.k8s.emberstack.com/reflects"],
    replicator: ["replicator.v1.mittwald.de/replicated-at", "replicator.v1.mittwald.de/replicated-from-version"],
    whisperer: ["secret-syncer.jeffl.es/mirror"],
  });
  for (const name of ["native", "kruise", "kruise-rd", "stakater", "mwsync"]) assert.equal(marks.get(name), undefined, `${name}'s tool marks no copies`);
  const object = (labels: Record<string, string>, annotations: Record<string, string> = {}) => ({ namespace: "apps", labels, annotations });
  assert.deepEqual(marks.get("reflector")!.sourceOf!(object({}, { "reflector.v1.k8s.emberstack.com/reflects": "src/db" })), { namespace: "src", name: "db" });
  assert.deepEqual(marks.get("reflector")!.sourceOf!(object({}, { "reflector.v1.k8s.emberstack.com/reflects": "db" })), { namespace: "apps", name: "db" });
  assert.deepEqual(marks.get("whisperer")!.sourceOf!(object({ "secret-syncer.jeffl.es/name": "db", "secret-syncer.jeffl.es/namespace": "src" })), { namespace: "src", name: "db" });
  assert.deepEqual(marks.get("kubed")!.sourceOf!(object({ "kubed.appscode.com/origin.name": "db", "kubed.appscode.com/origin.namespace": "src" })), { namespace: "src", name: "db" });
  assert.equal(marks.get("kubed")!.sourceOf!(object({})), undefined);
  const keys = relevantKeys(triggerKeysOf(allDialects), marks);
  assert.ok(keys.includes("mw-sync") && keys.includes("kubed.appscode.com/origin"));
});

test("selecting dialects by name: none or 'all' selects every one; an unknown name is refused", () => {
  assert.equal(selectDialects(allDialects, undefined).length, allDialects.length);
  assert.deepEqual(selectDialects(allDialects, ["kubed", "native"]).map((d) => d.name), ["native", "kubed"]);
  assert.throws(() => selectDialects(allDialects, ["nope"]), /unknown dialect\(s\): nope/);
});
