// The informer on the real control plane (src/kube/informer.ts): a relist finds what the watch
// missed, relists also come on a timer, a silent watch is restarted, our own recorded write is
// not announced twice when the watch delivers it, every handler hears every change, and a watch
// resuming from a compacted revision (410 Gone) relists instead of stalling; a list of many
// pages asks for larger pages once it knows its objects are small, and keeps every object.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { LocalControlPlane } from "../../src/controlplane/local-control-plane.js";
import { KubeClient } from "../../src/kube/client.js";
import { Informer, type InformerEvent, type KubeObject } from "../../src/kube/informer.js";
import { MIN_PAGE, listPages } from "../../src/kube/list-pages.js";
import { waitFor } from "../../src/util/wait-for.js";
import { adminClient, createNamespace } from "../support/cluster.js";

type Change = { event: InformerEvent; key: string };

function configMap(namespace: string, name: string, data: Record<string, string> = { v: "1" }) {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace }, data };
}

async function started(t: import("node:test").TestContext, informer: Informer<KubeObject>): Promise<void> {
  informer.start();
  t.after(() => informer.stop());
  await waitFor(() => informer.isHealthy(), { timeoutMs: 30_000, description: `${informer.name} to list and watch` });
}

test("a relist finds an object the watch never announced gone, and announces it deleted", async (t) => {
  const kube = await adminClient();
  const ns = await createNamespace(t, "inf-relist");
  const changes: Change[] = [];
  let syncs = 0;
  const informer = new Informer<KubeObject>({
    client: kube,
    name: "test-configmaps",
    path: `/api/v1/namespaces/${ns}/configmaps`,
    onChange: (event, key) => changes.push({ event, key }),
    onSynced: () => syncs++,
  });
  await started(t, informer);
  // A phantom only the cache knows (as if a delete event had been missed).
  informer.recordWrite({ ...configMap(ns, "phantom"), metadata: { name: "phantom", namespace: ns, resourceVersion: "1" } });
  assert.ok(informer.store.has(`${ns}/phantom`));
  const before = syncs;
  informer.requestRelist();
  await waitFor(() => syncs > before, { timeoutMs: 30_000, description: "the relist" });
  assert.ok(!informer.store.has(`${ns}/phantom`));
  assert.deepEqual(changes.filter((c) => c.key === `${ns}/phantom`).map((c) => c.event), ["added", "deleted"]);
});

test("relists also come on their own timer", async (t) => {
  const ns = await createNamespace(t, "inf-timer");
  let syncs = 0;
  const informer = new Informer<KubeObject>({ client: await adminClient(), name: "timed", path: `/api/v1/namespaces/${ns}/configmaps`, relistIntervalMs: 1_000, onSynced: () => syncs++ });
  await started(t, informer);
  await waitFor(() => syncs >= 3, { timeoutMs: 30_000, description: "two relists after the first list" });
});

test("a watch silent for longer than its timeout is restarted and becomes healthy again", async (t) => {
  const ns = await createNamespace(t, "inf-silent");
  const reasons: string[] = [];
  const informer = new Informer<KubeObject>({
    client: await adminClient(),
    name: "quiet",
    path: `/api/v1/namespaces/${ns}/configmaps`,
    labelSelector: "nothing=matches",
    silenceTimeoutMs: 500,
    onRestart: (reason) => reasons.push(reason),
  });
  await started(t, informer);
  await waitFor(() => reasons.some((reason) => /silent for 0\.5 s/.test(reason)), { timeoutMs: 30_000, description: "a restart for silence" });
  assert.ok(informer.restarts >= 1);
  await waitFor(() => informer.isHealthy(), { timeoutMs: 30_000, description: "healthy again" });
});

test("our own recorded write is not announced again when the watch delivers it; later changes are; every handler hears them", async (t) => {
  const kube = await adminClient();
  const ns = await createNamespace(t, "inf-own");
  const first: Change[] = [];
  const second: Change[] = [];
  const informer = new Informer<KubeObject>({ client: kube, name: "own", path: `/api/v1/namespaces/${ns}/configmaps`, onChange: (event, key) => first.push({ event, key }) });
  informer.addHandler({ onChange: (event, key) => second.push({ event, key }) });
  await started(t, informer);
  const created = await kube.request<KubeObject>("POST", `/api/v1/namespaces/${ns}/configmaps`, { body: configMap(ns, "mine") });
  informer.recordWrite(created, undefined);
  // Someone else's change afterwards: the watch delivers our create first, then this.
  await kube.request("PUT", `/api/v1/namespaces/${ns}/configmaps/mine`, { body: { ...configMap(ns, "mine", { v: "2" }), metadata: { name: "mine", namespace: ns, resourceVersion: created.metadata.resourceVersion } } });
  await waitFor(() => (informer.store.get(`${ns}/mine`)?.data as Record<string, string> | undefined)?.v === "2", { timeoutMs: 30_000, description: "the later change" });
  const mine = first.filter((c) => c.key === `${ns}/mine`).map((c) => c.event);
  assert.deepEqual(mine, ["added", "modified"], "one announcement for our create (recorded), one for the change after it");
  assert.deepEqual(second, first, "the second handler heard the same");
});

test("410 Gone: a watch resuming from a compacted revision relists and catches up", async (t) => {
  const plane = await LocalControlPlane.up({ dir: mkdtempSync(join(tmpdir(), "ferry-informer-")) });
  t.after(() => plane.down());
  const kube = await KubeClient.fromFile(plane.kubeconfigPath);
  t.after(() => kube.close());
  await kube.request("POST", "/api/v1/namespaces", { body: { metadata: { name: "gone" } } });
  const reasons: string[] = [];
  let syncs = 0;
  const informer = new Informer<KubeObject>({
    client: kube,
    name: "gone",
    path: "/api/v1/namespaces/gone/configmaps",
    onRestart: (reason) => reasons.push(reason),
    onSynced: () => syncs++,
  });
  await started(t, informer);
  await informer.stop();
  // Changes the stopped watch misses, then etcd's history compacted past them and the apiserver's
  // watch cache dropped: the informer resumes from a revision that no longer exists.
  await kube.request("POST", "/api/v1/namespaces/gone/configmaps", { body: configMap("gone", "meanwhile") });
  const range = (await (await fetch(`${plane.etcdUrl}/v3/kv/range`, { method: "POST", body: JSON.stringify({ key: Buffer.from("/").toString("base64") }) })).json()) as { header: { revision: string } };
  await fetch(`${plane.etcdUrl}/v3/kv/compaction`, { method: "POST", body: JSON.stringify({ revision: range.header.revision, physical: true }) });
  await plane.restartApiserver();
  const before = syncs;
  informer.start();
  await waitFor(() => reasons.includes("410 Gone: relisting"), { timeoutMs: 60_000, description: "a 410 on resuming" });
  await waitFor(() => syncs > before && informer.store.has("gone/meanwhile"), { timeoutMs: 60_000, description: "the relist with the missed change" });
});

test("a handler added after the first list is told that list: late consumers of a shared informer start from what it holds", async (t) => {
  const kube = await adminClient();
  const ns = await createNamespace(t, "inf-late");
  await kube.request("POST", `/api/v1/namespaces/${ns}/configmaps`, { body: configMap(ns, "present") });
  const informer = new Informer<KubeObject>({ client: kube, name: "late", path: `/api/v1/namespaces/${ns}/configmaps` });
  await started(t, informer);
  assert.ok(informer.hasSynced());
  let syncs = 0;
  let seen: string[] = [];
  informer.addHandler({
    onSynced: () => {
      syncs++;
      seen = [...informer.store.keys()];
    },
  });
  await waitFor(() => syncs > 0, { timeoutMs: 10_000, description: "the late handler to hear the list it missed" });
  assert.ok(seen.includes(`${ns}/present`), `the late handler sees the listed object (store: ${seen.join(", ")})`);
});

test("a list of small objects asks for larger pages after the first (not a metadata-only list), and an informer over many pages keeps every object", async (t) => {
  const kube = await adminClient();
  const ns = await createNamespace(t, "inf-pages");
  const count = 2 * MIN_PAGE + 200;
  const names = Array.from({ length: count }, (_, i) => `cm-${i}`);
  for (let i = 0; i < names.length; i += 50) {
    await Promise.all(names.slice(i, i + 50).map((name) => kube.request("POST", `/api/v1/namespaces/${ns}/configmaps`, { body: { ...configMap(ns, name), metadata: { name, namespace: ns, labels: { paged: "yes" } } } })));
  }
  const sizes: number[] = [];
  const listed = new Set<string>();
  for await (const page of listPages<KubeObject>(kube, `/api/v1/namespaces/${ns}/configmaps`, { labelSelector: "paged=yes" })) {
    sizes.push(page.items.length);
    for (const item of page.items) listed.add(item.metadata.name);
  }
  assert.equal(sizes[0], MIN_PAGE, "the first page: MIN_PAGE objects");
  assert.equal(sizes.length, 2, `small objects: the second page takes the rest at once (pages: ${sizes.join(", ")})`);
  assert.equal(listed.size, count);
  const fixed: number[] = [];
  for await (const page of listPages<KubeObject>(kube, `/api/v1/namespaces/${ns}/configmaps`, { labelSelector: "paged=yes", fixedPages: true })) fixed.push(page.items.length);
  assert.deepEqual(fixed, [MIN_PAGE, MIN_PAGE, 200], "a metadata-only list's pages stay at MIN_PAGE");
  const informer = new Informer<KubeObject>({ client: kube, name: "pages", path: `/api/v1/namespaces/${ns}/configmaps`, labelSelector: "paged=yes" });
  await started(t, informer);
  assert.deepEqual(new Set(informer.store.keys()), new Set(names.map((name) => `${ns}/${name}`)));
});
