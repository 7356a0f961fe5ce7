// A leader busy with a 5,000-copy fan-out keeps its Lease: renewals do not wait behind the
// engine's requests (its client-side rate limit and its connections are saturated on purpose).
import assert from "node:assert/strict";
import { test } from "node:test";
import { pino } from "pino";
import { startElectedFerry } from "../../src/cli/elected-ferry.js";
import { KubeClient } from "../../src/kube/client.js";
import { WaitAborted, waitFor } from "../../src/util/wait-for.js";
import { adminClient, deleteNamespace, sharedControlPlane, uniqueName } from "../support/cluster.js";
import { b64, recordSecretValues, testLogPath } from "../support/ferry.js";
import { readLease, shortLease } from "../support/lease-candidates.js";

const targets = 50;
const sources = 100;

test("renewals are not starved by a 5,000-copy fan-out that saturates the engine's rate limiter", async (t) => {
  const admin = await adminClient();
  const prefix = uniqueName("starve");
  const src = `${prefix}-src`;
  const namespaces = [src, ...Array.from({ length: targets }, (_, i) => `${prefix}-t${i}`)];
  t.after(() => Promise.all(namespaces.map((name) => deleteNamespace(admin, name))));
  for (const name of namespaces) await admin.request("POST", "/api/v1/namespaces", { body: { metadata: { name } } });
  const logger = pino({ level: "info" }, pino.destination({ dest: testLogPath(), append: true, sync: true }));
  const leaseName = uniqueName("ferry-leader");
  t.after(() => admin.request("DELETE", `/apis/coordination.k8s.io/v1/namespaces/ferry-system/leases/${leaseName}`).catch(() => undefined));
  // The leader's engine: 256 writes in flight against 100 requests/s and 64 connections, so
  // every request of this client waits about 2.5 s for a token, and longer for a connection.
  const engineClient = await KubeClient.fromFile(sharedControlPlane().kubeconfigPath, { qps: 100, burst: 100 });
  t.after(() => engineClient.close());
  const followerClient = await KubeClient.fromFile(sharedControlPlane().kubeconfigPath);
  t.after(() => followerClient.close());
  const replica = (identity: string, client: KubeClient, concurrency: number) =>
    startElectedFerry({ client, logger, namespace: "ferry-system", policy: "guarded", clusterName: "local", installCrds: true, concurrency, registry: false }, { leaseName, identity, ...shortLease });
  const leader = await replica("leader", engineClient, 256);
  t.after(() => leader.stop());
  await waitFor(() => leader.current()?.engine.isReady(), { timeoutMs: 60_000, description: "the leader leads" });
  const follower = await replica("follower", followerClient, 32);
  t.after(() => follower.stop());
  const before = await readLease(admin, "ferry-system", leaseName);
  assert.equal(before?.holderIdentity, "leader");

  const values = Array.from({ length: sources }, (_, i) => `${prefix}-value-${i}`);
  recordSecretValues(values);
  for (const [i, value] of values.entries()) {
    await admin.request("POST", `/api/v1/namespaces/${src}/secrets`, {
      body: { metadata: { name: `s${i}`, annotations: { "ferry.dev/sync-to": `${prefix}-t*` } }, data: { v: b64(value) } },
    });
  }
  const written = async () => (await leader.current()!.metrics.writes.get()).values.reduce((sum, v) => sum + v.value, 0);
  await waitFor(
    async () => {
      const lease = await readLease(admin, "ferry-system", leaseName);
      if (lease?.holderIdentity !== "leader" || follower.current() !== undefined) throw new WaitAborted(`the lease moved to ${lease?.holderIdentity} during the fan-out`);
      if (!leader.current()) throw new WaitAborted("the leader stopped leading during the fan-out");
      return (await written()) >= targets * sources;
    },
    { timeoutMs: 600_000, intervalMs: 250, description: `${targets * sources} copies written by the leader` },
  );
  const after = await readLease(admin, "ferry-system", leaseName);
  assert.equal(after?.holderIdentity, "leader");
  assert.equal(after?.leaseTransitions, before?.leaseTransitions, "no takeover during the fan-out");
  assert.equal(follower.current(), undefined, "the follower never ran an engine");
  assert.equal(await written(), targets * sources, "each copy written once");
});
