// A leader that cannot renew stops writing before another replica may take over. Proved with
// the apiserver's own audit log on a dedicated control plane: the two replicas are distinct
// ServiceAccounts, and no write of the old leader completes after the new leader's first write
// arrived. The old leader is mid fan-out, with writes waiting for its rate limiter, when its
// renewals stop: either its Lease requests get no answer at all, or its Lease RBAC is revoked
// while it keeps the right to write Secrets.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test, type TestContext } from "node:test";
import { pino } from "pino";
import { startElectedFerry } from "../../src/cli/elected-ferry.js";
import { auditMicros, type AuditEvent } from "../../src/controlplane/audit-log.js";
import { LocalControlPlane } from "../../src/controlplane/local-control-plane.js";
import { nativeCrds } from "../../src/crds/native-crds.js";
import { KubeClient } from "../../src/kube/client.js";
import { applyCrd } from "../../src/kube/crd-installer.js";
import { registryCrds } from "../../src/registry/index.js";
import { waitFor } from "../../src/util/wait-for.js";
import { deleteNamespace, uniqueName } from "../support/cluster.js";
import { b64, recordSecretValues, testLogPath } from "../support/ferry.js";
import { shortLease } from "../support/lease-candidates.js";
import { startLeasePauseProxy } from "../support/lease-pause-proxy.js";
import { replicaIdentity } from "../support/replica-identity.js";

let plane: LocalControlPlane;
let admin: KubeClient;

before(async () => {
  plane = await LocalControlPlane.up({ dir: mkdtempSync(join(tmpdir(), "ferry-leader-loss-")), audit: true });
  admin = await KubeClient.fromFile(plane.kubeconfigPath);
  for (const crd of [...nativeCrds, ...registryCrds]) await applyCrd(admin, crd);
});

after(async () => {
  admin?.close();
  await plane?.down();
});

const targets = 100;
const mutating = new Set(["create", "update", "patch", "delete", "deletecollection"]);

async function createNamespaces(t: TestContext, names: string[]): Promise<void> {
  t.after(() => Promise.all(names.map((name) => deleteNamespace(admin, name))));
  for (const name of names) await admin.request("POST", "/api/v1/namespaces", { body: { metadata: { name } } });
}

async function scenario(t: TestContext, block: "pause" | "revoke"): Promise<void> {
  const ferryNamespace = uniqueName("ferry");
  const prefix = uniqueName("loss");
  await createNamespaces(t, [ferryNamespace, `${prefix}-src`, ...Array.from({ length: targets }, (_, i) => `${prefix}-t${i}`)]);
  const one = await replicaIdentity(admin, ferryNamespace, "replica-one");
  const two = await replicaIdentity(admin, ferryNamespace, "replica-two");
  const proxy = block === "pause" ? await startLeasePauseProxy(plane) : undefined;
  t.after(() => proxy?.close());
  // replica-one's engine: 5 requests/s with 16 writes in flight, so its fan-out lasts ~20 s and
  // writes are queued at its rate limiter when its term ends. Its Lease client, made from the
  // same kubeconfig, goes through the proxy too.
  const oneClient = await one.client({ qps: 5, burst: 5 }, proxy?.url);
  t.after(() => oneClient.close());
  const twoClient = await two.client();
  t.after(() => twoClient.close());
  const logger = pino({ level: "debug" }, pino.destination({ dest: testLogPath(), append: true, sync: true }));
  const replica = (identity: string, client: KubeClient) =>
    startElectedFerry(
      { client, logger, namespace: ferryNamespace, policy: "guarded", clusterName: "local", installCrds: false, concurrency: 16, registry: false },
      { identity, ...shortLease },
    );
  const first = await replica("replica-one", oneClient);
  t.after(() => first.stop());
  await waitFor(() => first.current()?.engine.isReady(), { timeoutMs: 60_000, description: "replica-one leads" });
  const second = await replica("replica-two", twoClient);
  t.after(() => second.stop());

  const value = `${prefix}-fanned-value`;
  recordSecretValues([value]);
  await admin.request("POST", `/api/v1/namespaces/${prefix}-src/secrets`, {
    body: { metadata: { name: "fanned", annotations: { "ferry.dev/sync-to": `${prefix}-t*` } }, data: { v: b64(value) } },
  });
  const engine = first.current()!;
  await waitFor(async () => (await engine.metrics.writes.get()).values.reduce((sum, v) => sum + v.value, 0) >= 5, { timeoutMs: 60_000, description: "replica-one's fan-out under way" });
  const blockedAt = Date.now() * 1000;
  if (proxy) proxy.pause();
  else await one.revokeLease();

  await waitFor(() => second.current()?.engine.isReady(), { timeoutMs: 60_000, description: "replica-two takes over" });
  await waitFor(
    async () => {
      const copies = await admin.get<{ items: unknown[] }>("/api/v1/secrets", { query: { labelSelector: `ferry.dev/source-namespace=${prefix}-src` } });
      return copies.items.length === targets;
    },
    { timeoutMs: 120_000, description: `${targets} copies` },
  );
  const writesBy = (events: AuditEvent[], username: string) =>
    events.filter((e) => e.user.username === username && mutating.has(e.verb) && e.objectRef?.resource !== "leases" && e.stage === "ResponseComplete");
  const events = await waitFor(
    () => {
      const all = plane.auditEvents();
      return writesBy(all, two.username).length > 0 && all;
    },
    { timeoutMs: 30_000, description: "replica-two's writes in the audit log" },
  );
  const byOne = writesBy(events, one.username);
  const byTwo = writesBy(events, two.username);
  const lastOfOne = Math.max(...byOne.map((e) => auditMicros(e.stageTimestamp)));
  const firstOfTwo = Math.min(...byTwo.map((e) => auditMicros(e.requestReceivedTimestamp)));
  assert.ok(
    lastOfOne < firstOfTwo,
    `replica-one's last write completed ${((lastOfOne - firstOfTwo) / 1000).toFixed(1)} ms after replica-two's first write arrived`,
  );
  t.diagnostic(`replica-one's last write completed ${((firstOfTwo - lastOfOne) / 1000).toFixed(1)} ms before replica-two's first write arrived`);
  // The test had teeth: replica-one was writing when its renewals stopped, and they did stop.
  assert.ok(byOne.some((e) => auditMicros(e.requestReceivedTimestamp) > blockedAt), "replica-one wrote after its renewals were blocked");
  assert.equal(first.elector.isLeader, false, "replica-one still believes it leads");
  assert.equal(first.current(), undefined, "replica-one still runs an engine");
  if (proxy) assert.ok(proxy.held() > 0, "Lease requests were left unanswered");
  else {
    const refused = events.filter((e) => e.user.username === one.username && e.objectRef?.resource === "leases" && e.responseStatus?.code === 403);
    assert.ok(refused.length > 0, "replica-one's Lease requests were refused");
  }
}

test("Lease requests of the leader get no answer: it stops writing before the new leader's first write", (t) => scenario(t, "pause"));

test("the leader's Lease RBAC is revoked, its Secret RBAC kept: it stops writing before the new leader's first write", (t) => scenario(t, "revoke"));
