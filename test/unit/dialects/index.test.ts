import { test } from "node:test";
import assert from "node:assert/strict";
import { carriesKey, matchesKey } from "../../../src/core/key-match.js";
import { allDialects, dialectByName, triggerKeysOf } from "../../../src/dialects/index.js";
import { context, source } from "./helpers.js";

test("every dialect is registered once, under a unique name", () => {
  const names = allDialects.map((dialect) => dialect.name);
  assert.deepEqual(names, ["kruise", "kruise-rd", "whisperer", "stakater", "mwsync", "replicator", "reflector", "kubed"]);
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
