import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { metadataPacking, metadataRecord } from "../../../src/kube/observed-records.js";
import { RecordStore } from "../../../src/kube/record-store.js";
import type { KubeObject } from "../../../src/kube/informer.js";

const relevant = ["ferry.dev/sync-to", "replicator.v1.mittwald.de/"];
const toRecord = metadataRecord("Secret", relevant);

function object(namespace: string, name: string, resourceVersion: string, annotations?: Record<string, string>): KubeObject {
  return { metadata: { namespace, name, resourceVersion, uid: `uid-${name}`, annotations, labels: { team: "a" } } };
}

test("an unrelated object is kept as its version and read back as an identity without labels", () => {
  const store = new RecordStore(metadataPacking("Secret"));
  store.set("ns-a/plain", toRecord(object("ns-a", "plain", "41")), "41");
  assert.deepEqual(store.get("ns-a/plain"), { kind: "Secret", namespace: "ns-a", name: "plain", resourceVersion: "41", labels: {}, annotations: {} });
  assert.equal(store.version("ns-a/plain"), "41");
  assert.deepEqual([...store.wholeValues()], [], "a packed record is not a whole one");
});

test("an object with a relevant key is kept whole, uid and all", () => {
  const store = new RecordStore(metadataPacking("Secret"));
  const record = toRecord(object("ns-a", "source", "7", { "ferry.dev/sync-to": "b" }));
  store.set("ns-a/source", record, "7");
  assert.equal(store.get("ns-a/source"), record);
  assert.equal(store.get("ns-a/source")?.uid, "uid-source");
  assert.deepEqual([...store.wholeValues()], [record]);
  assert.equal(store.version("ns-a/source"), "7");
});

test("a Helm- or Argo-managed object with no relevant key is packed as its version; a Ferry copy of another cluster is kept whole", () => {
  const store = new RecordStore(metadataPacking("Secret"));
  for (const managedBy of ["Helm", "argocd", "Kustomize"]) {
    const helm: KubeObject = { metadata: { namespace: "ns-a", name: `chart-${managedBy}`, resourceVersion: "12", labels: { "app.kubernetes.io/managed-by": managedBy, "helm.sh/chart": "x-1.0.0" }, annotations: { "meta.helm.sh/release-name": "x" } } };
    store.set(`ns-a/chart-${managedBy}`, toRecord(helm), "12");
  }
  assert.deepEqual([...store.wholeValues()], [], "objects managed by other tools are not kept whole");
  assert.deepEqual(store.get("ns-a/chart-Helm"), { kind: "Secret", namespace: "ns-a", name: "chart-Helm", resourceVersion: "12", labels: {}, annotations: {} });

  const otherCluster = toRecord({ metadata: { namespace: "ns-a", name: "copy", resourceVersion: "13", labels: { "app.kubernetes.io/managed-by": "ferry", "ferry.dev/rule": "r", "ferry.dev/source-cluster": "hub" } } });
  store.set("ns-a/copy", otherCluster, "13");
  assert.equal(store.get("ns-a/copy"), otherCluster, "a Ferry copy (of another cluster) keeps its labels: plan() reports ManagedByAnotherCluster from them");
});

test("without packing the store keeps the versions it is given", () => {
  const store = new RecordStore<{ name: string }>();
  store.set("a", { name: "a" }, "3");
  store.set("b", { name: "b" }, undefined);
  assert.equal(store.version("a"), "3");
  assert.equal(store.version("b"), undefined);
  store.delete("a");
  assert.equal(store.version("a"), undefined);
  assert.equal(store.has("a"), false);
});

test("a packed store behaves like a Map of the records it was given (property)", () => {
  const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
  const op = fc.oneof(
    fc.record({ set: fc.tuple(name, name, fc.nat({ max: 999 }).map(String), fc.boolean()) }),
    fc.record({ remove: fc.tuple(name, name) }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
      const store = new RecordStore(metadataPacking("Secret"));
      const model = new Map<string, ReturnType<typeof toRecord>>();
      for (const step of ops) {
        if ("set" in step) {
          const [namespace, objectName, version, isSource] = step.set;
          const record = toRecord(object(namespace, objectName, version, isSource ? { "replicator.v1.mittwald.de/replicate-to": "x" } : undefined));
          store.set(`${namespace}/${objectName}`, record, version);
          model.set(`${namespace}/${objectName}`, record);
        } else {
          const key = `${step.remove[0]}/${step.remove[1]}`;
          assert.equal(store.delete(key), model.delete(key));
        }
      }
      assert.equal(store.size, model.size);
      for (const [key, record] of model) {
        const stored = store.get(key)!;
        const { uid, ...identity } = record;
        assert.equal(store.version(key), record.resourceVersion);
        if (Object.keys(record.annotations).length > 0) assert.equal(stored, record);
        else {
          assert.equal(uid, `uid-${record.name}`);
          assert.deepEqual(stored, identity);
        }
      }
      assert.deepEqual([...store.keys()].sort(), [...model.keys()].sort());
    }),
  );
});

test("the key indexes, asked for at any time, list exactly the keys of each namespace and of each name (property)", () => {
  const namespace = fc.constantFrom("a", "b", "c");
  const op = fc.oneof(fc.record({ set: fc.tuple(namespace, fc.constantFrom("x", "y")) }), fc.record({ remove: fc.tuple(namespace, fc.constantFrom("x", "y")) }), fc.constant("index" as const));
  fc.assert(
    fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
      const store = new RecordStore<{ name: string }>();
      let indexed = false;
      for (const step of ops) {
        if (step === "index") {
          store.indexKeys();
          indexed = true;
        } else if ("set" in step) store.set(step.set.join("/"), { name: step.set[1] }, "1");
        else store.delete(step.remove.join("/"));
      }
      store.indexKeys();
      for (const ns of ["a", "b", "c"]) assert.deepEqual([...store.keysIn(ns)].sort(), [...store.keys()].filter((key) => key.startsWith(`${ns}/`)).sort(), `namespace ${ns} (indexed early: ${indexed})`);
      for (const name of ["x", "y"]) assert.deepEqual([...store.keysNamed(name)].sort(), [...store.keys()].filter((key) => key.endsWith(`/${name}`)).sort(), `name ${name} (indexed early: ${indexed})`);
    }),
  );
  assert.throws(() => new RecordStore().keysIn("a"), /no key index/);
});
