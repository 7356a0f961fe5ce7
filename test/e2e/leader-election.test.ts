// Two replicas: only the leader writes; when the leader dies without releasing its Lease, the
// other takes over within the lease duration and converges.
import assert from "node:assert/strict";
import { test } from "node:test";
import { pino } from "pino";
import { startElectedFerry } from "../../src/cli/elected-ferry.js";
import { waitFor } from "../../src/util/wait-for.js";
import { adminClient, createNamespace, uniqueName } from "../support/cluster.js";
import { createSecret, testLogPath, waitForObject } from "../support/ferry.js";

test("only the leader writes; a killed leader is replaced within the lease duration and the follower converges", async (t) => {
  const client = await adminClient();
  const logger = pino({ level: "info" }, pino.destination({ dest: testLogPath(), append: true, sync: true }));
  const leaseName = uniqueName("ferry-leader");
  const leaseDurationSeconds = 4;
  const replica = (identity: string) =>
    startElectedFerry(
      { client, logger, namespace: "ferry-system", policy: "guarded", clusterName: "local", installCrds: true },
      { leaseName, identity, leaseDurationSeconds, renewDeadlineMs: 3_000, retryPeriodMs: 500 },
    );
  const one = await replica("replica-one");
  t.after(() => one.stop());
  await waitFor(() => one.current()?.engine.isReady(), { timeoutMs: 30_000, description: "replica-one leads" });
  const two = await replica("replica-two");
  t.after(() => two.stop());

  const src = await createNamespace(t, "src");
  const a = await createNamespace(t, "a");
  await createSecret(src, "led", { v: "1" }, { annotations: { "ferry.dev/sync-to": a } });
  await waitForObject("Secret", a, "led");
  assert.equal(two.current(), undefined, "the follower runs no engine");
  assert.equal(two.elector.isLeader, false);

  // Kill the leader: it stops renewing and does not release the Lease.
  const killedAt = Date.now();
  await one.stop({ release: false });
  const b = await createNamespace(t, "b");
  await createSecret(src, "after-failover", { v: "2" }, { annotations: { "ferry.dev/sync-to": `${a},${b}` } });
  await waitFor(() => two.current()?.engine.isReady(), { timeoutMs: 30_000, description: "replica-two takes over" });
  const tookOverMs = Date.now() - killedAt;
  assert.ok(tookOverMs < (leaseDurationSeconds + 3) * 1000, `took over after ${tookOverMs} ms`);
  await waitForObject("Secret", a, "after-failover");
  await waitForObject("Secret", b, "after-failover");
  const lease = await client.get<{ spec: { holderIdentity: string; leaseTransitions: number } }>(
    `/apis/coordination.k8s.io/v1/namespaces/ferry-system/leases/${leaseName}`,
  );
  assert.equal(lease.spec.holderIdentity, "replica-two");
  assert.ok(lease.spec.leaseTransitions >= 1);
  await client.request("DELETE", `/apis/coordination.k8s.io/v1/namespaces/ferry-system/leases/${leaseName}`);
});
