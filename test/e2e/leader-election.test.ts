// Leader election on the real apiserver: only the leader writes; a dead leader is replaced once
// its lease expired; a slow start, a skewed clock or a busy engine never make two leaders.
import assert from "node:assert/strict";
import { test } from "node:test";
import { pino } from "pino";
import { startElectedFerry } from "../../src/cli/elected-ferry.js";
import { WaitAborted, waitFor } from "../../src/util/wait-for.js";
import { adminClient, createNamespace, uniqueName } from "../support/cluster.js";
import { createSecret, testLogPath, waitForObject } from "../support/ferry.js";
import { HandClock, readLease, skewedClock, startCandidate } from "../support/lease-candidates.js";

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

test("a start that takes longer than the lease: the leader keeps renewing and no other replica acquires meanwhile", async (t) => {
  const client = await adminClient();
  const namespace = await createNamespace(t, "lease");
  const name = "slow-start";
  let finishStart!: () => void;
  const startFinished = new Promise<void>((resolve) => (finishStart = resolve));
  t.after(() => finishStart());
  // The leader's start (CRD install, caches) takes far longer than the lease.
  const one = await startCandidate(t, { namespace, name, identity: "one", onStartedLeading: () => startFinished });
  await waitFor(() => one.terms === 1, { timeoutMs: 30_000, description: "one leads and starts" });
  const two = await startCandidate(t, { namespace, name, identity: "two" });

  // While one is still starting, let at least twice the lease duration pass in renewals: each is
  // a new renewTime written by one (retry period 0.5 s, so 16 of them span 8 s > 2 x 4 s).
  const renewals = new Set<string>();
  await waitFor(
    async () => {
      const lease = await readLease(client, namespace, name);
      if (lease?.holderIdentity !== "one") throw new WaitAborted(`the lease moved to ${lease?.holderIdentity} while one was starting`);
      renewals.add(lease.renewTime ?? "");
      return renewals.size >= 16;
    },
    { timeoutMs: 60_000, intervalMs: 100, description: "16 renewals by one during its start" },
  );
  assert.equal(two.terms, 0, "two never led");
  finishStart();
  assert.equal(one.elector.isLeader, true);
  const lease = await readLease(client, namespace, name);
  assert.equal(lease?.holderIdentity, "one");
  assert.equal(lease?.leaseTransitions, 0);
  assert.equal(two.terms, 0, "two never led");
});

test("replicas whose clocks are minutes apart: one leader at a time; takeover only once the lease expired on the observer's own clock", async (t) => {
  const client = await adminClient();
  const namespace = await createNamespace(t, "lease");
  const name = "skew";
  // one's wall clock is 7 minutes behind (its renewTimes look long expired to anyone comparing
  // them with their own wall clock); two's is 3 minutes ahead, and its monotonic clock moves
  // only when the test advances it.
  const one = await startCandidate(t, { namespace, name, identity: "one", clock: skewedClock(-7 * 60_000) });
  await waitFor(() => one.elector.isLeader, { timeoutMs: 30_000, description: "one leads" });
  const observer = new HandClock(3 * 60_000);
  const two = await startCandidate(t, { namespace, name, identity: "two", clock: observer });
  const attemptsOfTwo = (more: number) => {
    const target = two.elector.attempts + more;
    return waitFor(() => two.elector.attempts >= target, { timeoutMs: 60_000, description: `${more} more attempts by two` });
  };
  await attemptsOfTwo(12); // 12 x 0.5 s: longer than the lease
  assert.equal(two.terms, 0, "two took over a lease one was renewing");
  assert.equal((await readLease(client, namespace, name))?.holderIdentity, "one");

  // one dies without releasing the lease. Real time passes, two's own clock stands still: to two,
  // the record it last saw change has not aged, so it must not take over.
  await one.elector.stop({ release: false });
  await attemptsOfTwo(12);
  assert.equal(two.terms, 0, "two took over before the lease expired on its own clock");
  observer.advance(3_000);
  await attemptsOfTwo(4);
  assert.equal(two.terms, 0, "two took over 3 s into a 4 s lease (its own clock)");
  observer.advance(1_500);
  await waitFor(() => two.terms === 1, { timeoutMs: 30_000, description: "two takes over once 4.5 s passed on its own clock" });
  const lease = await readLease(client, namespace, name);
  assert.equal(lease?.holderIdentity, "two");
  assert.equal(lease?.leaseTransitions, 1);
});
