// Faults during a fan-out, on a dedicated real control plane. Every scenario ends with the
// fixed-point check (test/support/fixed-point.ts). FERRY_CHAOS=full (npm run test:chaos) runs
// the full sizes; `npm test` runs the short form.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { pino } from "pino";
import { startElectedFerry } from "../../src/cli/elected-ferry.js";
import { LocalControlPlane } from "../../src/controlplane/local-control-plane.js";
import { KubeClient } from "../../src/kube/client.js";
import { waitFor } from "../../src/util/wait-for.js";
import { uniqueName } from "../support/cluster.js";
import { startFerryProcess, type FerryProcess } from "../support/ferry-process.js";
import { assertFixedPoint, snapshotUnmanaged } from "../support/fixed-point.js";
import { b64, startTestFerry, testLogPath } from "../support/ferry.js";

const full = process.env.FERRY_CHAOS === "full";
const fanout = full ? 1000 : 60;

let plane: LocalControlPlane;
let kube: KubeClient;

before(async () => {
  plane = await LocalControlPlane.up({ dir: mkdtempSync(join(tmpdir(), "ferry-chaos-")) });
  kube = await KubeClient.fromFile(plane.kubeconfigPath, { qps: 0 });
});
after(async () => {
  kube.close();
  await plane.down();
});

async function parallel<T>(items: T[], work: (item: T) => Promise<unknown>, concurrency = 16): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => { while (next < items.length) await work(items[next++]!); }));
}

/** Creates a source namespace, N target namespaces labelled for this scenario and an unmanaged bystander object. */
async function world(prefix: string, count: number) {
  const label = uniqueName(prefix);
  const src = `${label}-src`;
  const targets = Array.from({ length: count }, (_, i) => `${label}-${i}`);
  await parallel([src, ...targets], (name) => kube.request("POST", "/api/v1/namespaces", { body: { metadata: { name, labels: { chaos: label } } } }));
  // An unmanaged object where a copy would go: it must survive every fault untouched.
  await kube.request("POST", `/api/v1/namespaces/${targets[0]}/secrets`, { body: { metadata: { name: "bystander" }, data: { v: b64("mine") } } });
  const source = (name: string, data: string, selector = `chaos=${label}`) =>
    kube.request("POST", `/api/v1/namespaces/${src}/secrets`, {
      body: { metadata: { name, annotations: { "ferry.dev/sync-to-selector": selector } }, data: { v: b64(data) } },
    });
  const copies = async (name: string) =>
    (await kube.get<{ items: unknown[] }>("/api/v1/secrets", { query: { labelSelector: `ferry.dev/source-namespace=${src},ferry.dev/source-name=${name}` } })).items.length;
  return { label, src, targets, namespaces: [src, ...targets], source, copies };
}

// Ferry's logs go where the run's secret-leak scan (test/final) reads them.
const logFile = () => testLogPath();
const inProcessLogger = () => pino({ level: "info" }, pino.destination({ dest: logFile(), append: true, sync: true }));

test("kube-apiserver restarted in the middle of a fan-out", async (t) => {
  const ferry = await startTestFerry(t, { client: kube, logger: inProcessLogger() });
  const w = await world("apiserver", fanout);
  const unmanaged = await snapshotUnmanaged(kube, w.namespaces);
  await w.source("fan", "1");
  await waitFor(async () => (await w.copies("fan")) >= fanout / 4, { timeoutMs: 60_000, description: "fan-out under way" });
  await plane.restartApiserver();
  await assertFixedPoint(kube, { namespaces: w.namespaces, unmanaged, ferry });
});

test("etcd restarted in the middle of a fan-out", async (t) => {
  const ferry = await startTestFerry(t, { client: kube, logger: inProcessLogger() });
  const w = await world("etcd", fanout);
  const unmanaged = await snapshotUnmanaged(kube, w.namespaces);
  await w.source("fan", "1");
  await waitFor(async () => (await w.copies("fan")) >= fanout / 4, { timeoutMs: 60_000, description: "fan-out under way" });
  await plane.restartEtcd();
  await assertFixedPoint(kube, { namespaces: w.namespaces, unmanaged, ferry });
});

test("watches expire (410 Gone after an etcd compaction) while changes happen", async (t) => {
  const ferry = await startTestFerry(t, { client: kube, logger: inProcessLogger() });
  const w = await world("gone", Math.min(fanout, 30));
  const unmanaged = await snapshotUnmanaged(kube, w.namespaces);
  await w.source("before", "1");
  await assertFixedPoint(kube, { namespaces: w.namespaces, unmanaged });
  const restarts = ferry.engine.watchHealth().reduce((sum, watch) => sum + watch.restarts, 0);
  // Changes Ferry must not miss, then compact etcd's history past them and restart the
  // apiserver so its watch cache is gone: Ferry's watches resume from a compacted revision.
  await w.source("during", "2");
  await kube.request("DELETE", `/api/v1/namespaces/${w.src}/secrets/before`);
  const range = (await (await fetch(`${plane.etcdUrl}/v3/kv/range`, { method: "POST", body: JSON.stringify({ key: b64("/") }) })).json()) as {
    header: { revision: string };
  };
  await fetch(`${plane.etcdUrl}/v3/kv/compaction`, { method: "POST", body: JSON.stringify({ revision: range.header.revision, physical: true }) });
  await plane.restartApiserver();
  await assertFixedPoint(kube, { namespaces: w.namespaces, unmanaged, ferry });
  const after = ferry.engine.watchHealth().reduce((sum, watch) => sum + watch.restarts, 0);
  if (after <= restarts) throw new Error("the watches never restarted");
});

test("Ferry SIGKILLed mid fan-out and restarted; SIGKILLed between a source delete and the prune", async () => {
  const w = await world("sigkill", fanout);
  const unmanaged = await snapshotUnmanaged(kube, w.namespaces);
  let ferry: FerryProcess = await startFerryProcess(plane.kubeconfigPath, logFile());
  try {
    await w.source("fan", "1");
    await waitFor(async () => (await ferry.writes()) >= fanout / 4, { timeoutMs: 60_000, intervalMs: 5, description: "fan-out under way" });
    await ferry.kill("SIGKILL");
    ferry = await startFerryProcess(plane.kubeconfigPath, logFile());
    await assertFixedPoint(kube, { namespaces: w.namespaces, unmanaged });
    // Delete the source and kill Ferry at once: the prune happens after the restart.
    await kube.request("DELETE", `/api/v1/namespaces/${w.src}/secrets/fan`);
    await ferry.kill("SIGKILL");
    ferry = await startFerryProcess(plane.kubeconfigPath, logFile());
    await waitFor(async () => (await w.copies("fan")) === 0, { timeoutMs: 60_000, description: "copies pruned after the restart" });
    await assertFixedPoint(kube, { namespaces: w.namespaces, unmanaged });
  } finally {
    await ferry.kill("SIGTERM");
  }
});

test("sources, rules and namespaces deleted while Ferry is down", async (t) => {
  let ferry = await startTestFerry(t, { client: kube, logger: inProcessLogger() });
  const w = await world("down", Math.min(fanout, 20));
  await w.source("by-annotation", "1");
  await kube.request("POST", `/api/v1/namespaces/${w.src}/configmaps`, { body: { metadata: { name: "by-rule" }, data: { v: "1" } } });
  const rule = uniqueName("chaos-rule");
  await kube.request("POST", "/apis/ferry.dev/v1alpha1/clusterdistributions", {
    body: {
      apiVersion: "ferry.dev/v1alpha1",
      kind: "ClusterDistribution",
      metadata: { name: rule },
      spec: { source: { kind: "ConfigMap", name: "by-rule", namespace: w.src }, targets: { namespaceSelector: { matchLabels: { chaos: w.label } } } },
    },
  });
  await assertFixedPoint(kube, { namespaces: w.namespaces });
  await ferry.stop();
  await kube.request("DELETE", `/api/v1/namespaces/${w.src}/secrets/by-annotation`);
  await kube.request("DELETE", `/apis/ferry.dev/v1alpha1/clusterdistributions/${rule}`);
  const gone = w.targets.slice(-3);
  for (const name of gone) await kube.request("DELETE", `/api/v1/namespaces/${name}`);
  ferry = await startTestFerry(t, { client: kube, logger: inProcessLogger() });
  const remaining = w.namespaces.filter((name) => !gone.includes(name));
  await assertFixedPoint(kube, { namespaces: remaining, ferry });
  await waitFor(async () => (await w.copies("by-annotation")) === 0, { timeoutMs: 60_000, description: "annotation copies gone" });
});

test("two replicas: the leader killed mid fan-out, the follower finishes", async (t) => {
  const w = await world("leader", fanout);
  const unmanaged = await snapshotUnmanaged(kube, w.namespaces);
  const leaseName = uniqueName("chaos-leader");
  const replica = (identity: string) =>
    startElectedFerry(
      { client: kube, logger: inProcessLogger(), namespace: "ferry-system", policy: "guarded", clusterName: "local", installCrds: true },
      { leaseName, identity, leaseDurationSeconds: 3, renewDeadlineMs: 2_000, retryPeriodMs: 300 },
    );
  const one = await replica("one");
  t.after(() => one.stop());
  await waitFor(() => one.current()?.engine.isReady(), { timeoutMs: 30_000, description: "one leads" });
  const two = await replica("two");
  t.after(() => two.stop());
  await w.source("fan", "1");
  await waitFor(async () => (await w.copies("fan")) >= fanout / 4, { timeoutMs: 60_000, description: "fan-out under way" });
  await one.stop({ release: false });
  await waitFor(() => two.current()?.engine.isReady(), { timeoutMs: 30_000, description: "two takes over" });
  await assertFixedPoint(kube, { namespaces: w.namespaces, unmanaged, ferry: two.current() });
});
