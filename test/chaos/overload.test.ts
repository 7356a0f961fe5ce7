// The apiserver answers 429 for a while (a dedicated control plane with a tiny max-requests-
// inflight and no priority-and-fairness queueing): Ferry backs off, converges, no hot loop.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { pino } from "pino";
import { LocalControlPlane } from "../../src/controlplane/local-control-plane.js";
import { KubeClient } from "../../src/kube/client.js";
import { nativeCrds } from "../../src/crds/native-crds.js";
import { applyCrd } from "../../src/kube/crd-installer.js";
import { registryCrds } from "../../src/registry/index.js";
import { chartClient } from "../support/chart-identity.js";
import { uniqueName } from "../support/cluster.js";
import { assertFixedPoint, snapshotUnmanaged } from "../support/fixed-point.js";
import { b64, startTestFerry, testLogPath } from "../support/ferry.js";

const full = process.env.FERRY_CHAOS === "full";

test("the apiserver sheds load with 429 during a fan-out: Ferry backs off and converges without a hot loop", async (t) => {
  const plane = await LocalControlPlane.up({
    dir: mkdtempSync(join(tmpdir(), "ferry-overload-")),
    apiserverArgs: ["--enable-priority-and-fairness=false", "--max-requests-inflight=2", "--max-mutating-requests-inflight=1"],
  });
  t.after(() => plane.down());
  const kube = await KubeClient.fromFile(plane.kubeconfigPath, { qps: 0 });
  t.after(() => kube.close());
  const count = full ? 500 : 80;
  const label = uniqueName("overload");
  const namespaces = [`${label}-src`, ...Array.from({ length: count }, (_, i) => `${label}-${i}`)];
  for (const name of namespaces) await kube.request("POST", "/api/v1/namespaces", { body: { metadata: { name, labels: { overload: label } } } });
  const unmanaged = await snapshotUnmanaged(kube, namespaces);
  // As the chart's ServiceAccount: system:masters requests are exempt from the inflight limit.
  const ferryClient = await chartClient("ferry-system", kube);
  const logger = pino({ level: "info" }, pino.destination({ dest: testLogPath(), append: true, sync: true }));
  for (const crd of [...nativeCrds, ...registryCrds]) await applyCrd(kube, crd);
  const ferry = await startTestFerry(t, { client: ferryClient, installCrds: false, logger, concurrency: 32 });
  await kube.request("POST", `/api/v1/namespaces/${label}-src/secrets`, {
    body: { metadata: { name: "heavy", annotations: { "ferry.dev/sync-to-selector": `overload=${label}` } }, data: { v: b64("payload") } },
  });
  await assertFixedPoint(kube, { namespaces, unmanaged, ferry, timeoutMs: 180_000 });
  // The inflight filter rejects before the apiserver's request metrics count: read Ferry's side.
  const shed = ferryClient.responseCounts.get(429) ?? 0;
  assert.ok(shed > 0, "the apiserver answered 429 at least once (the fault was injected)");
  const retries = (await ferry.metrics.queueRetries.get()).values.reduce((sum, v) => sum + v.value, 0);
  const writes = (await ferry.metrics.writes.get()).values.reduce((sum, v) => sum + v.value, 0);
  assert.equal(writes, count, "each copy written once");
  assert.ok(retries <= count * 3, `no hot loop: ${retries} retries for ${count} copies (${shed} answers were 429)`);
});
