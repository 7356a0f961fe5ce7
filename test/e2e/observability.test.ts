// /healthz, /readyz and /metrics after a known sequence of actions, and opt-in tracing.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { test } from "node:test";
import { setupTracing } from "../../src/ops/tracing.js";
import { waitFor } from "../../src/util/wait-for.js";
import { createNamespace, uniqueName } from "../support/cluster.js";
import { createConfigMap, deleteObject, patchObject, startTestFerry, waitForGone, waitForObject } from "../support/ferry.js";

function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.split(" ").pop());
  }
  return undefined;
}

test("health endpoints and metrics report a known sequence of actions", async (t) => {
  const startedAt = Date.now() / 1000;
  const ferry = await startTestFerry(t, { healthPort: 0, healthHost: "127.0.0.1" });
  assert.equal((await fetch(`${ferry.healthUrl}/healthz`)).status, 200);
  await waitFor(async () => (await fetch(`${ferry.healthUrl}/readyz`)).status === 200, { timeoutMs: 10_000, description: "/readyz 200" });
  const src = await createNamespace(t, "metrics-src");
  const targets = [await createNamespace(t, "m1"), await createNamespace(t, "m2"), await createNamespace(t, "m3")];
  const name = uniqueName("observed");
  const metrics = async () => (await fetch(`${ferry.healthUrl}/metrics`)).text();
  const before = await metrics();
  const count = (text: string, verb: string) => sample(text, "ferry_writes_total", { verb, kind: "ConfigMap" }) ?? 0;

  await createConfigMap(src, name, { v: "1" }, { annotations: { "ferry.dev/sync-to": targets.join(",") } });
  for (const ns of targets) await waitForObject("ConfigMap", ns, name);
  await patchObject("ConfigMap", src, name, { data: { v: "2" } });
  for (const ns of targets) await waitForObject("ConfigMap", ns, name, (o) => (o.data as Record<string, string>).v === "2");
  await ferry.engine.idle();
  const synced = await waitFor(async () => {
    const text = await metrics();
    return (sample(text, "ferry_copies", { state: "synced" }) ?? 0) >= 3 ? text : undefined;
  }, { timeoutMs: 10_000, description: "copies gauge" });
  assert.equal(count(synced, "create") - count(before, "create"), 3);
  assert.equal(count(synced, "update") - count(before, "update"), 3);
  await deleteObject("ConfigMap", src, name);
  for (const ns of targets) await waitForGone("ConfigMap", ns, name);
  await ferry.engine.idle();
  const after = await metrics();
  assert.equal(count(after, "delete") - count(before, "delete"), 3);
  for (const family of [
    "ferry_reconcile_total",
    "ferry_reconcile_duration_seconds",
    "ferry_workqueue_depth",
    "ferry_workqueue_adds_total",
    "ferry_workqueue_retries_total",
    "ferry_workqueue_queue_duration_seconds",
    "ferry_copies",
    "ferry_writes_total",
    "ferry_watch_restarts_total",
    "ferry_watch_last_event_timestamp_seconds",
    "ferry_registry_credential_expiry_timestamp_seconds",
    "ferry_build_info",
    "process_resident_memory_bytes",
    "nodejs_heap_size_used_bytes",
  ]) {
    assert.match(after, new RegExp(`^# TYPE ${family} `, "m"), family);
  }
  assert.ok((sample(after, "ferry_workqueue_adds_total") ?? 0) >= 9);
  assert.ok((sample(after, "ferry_reconcile_total", { result: "ok" }) ?? 0) > 0);
  // A Unix timestamp the informer recorded: after Ferry started, not after this scrape.
  const lastEvent = sample(after, "ferry_watch_last_event_timestamp_seconds", { watch: "namespaces" }) ?? -1;
  assert.ok(lastEvent >= startedAt - 1 && lastEvent <= Date.now() / 1000, `namespaces watch last active at ${lastEvent}, Ferry started at ${startedAt}`);
  assert.doesNotMatch(after, /^ferry_(process|nodejs)_/m, "the default metrics keep their standard names");
});

test("tracing is off by default and exports plan and write spans over OTLP/HTTP when configured", async (t) => {
  assert.equal(await setupTracing({}), undefined);
  const bodies: string[] = [];
  const collector = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      bodies.push(body);
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
  const address = collector.address() as { port: number };
  const tracing = await setupTracing({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:${address.port}/v1/traces` });
  // One hook, in this order: flush the last spans while the collector still listens, then close it.
  t.after(async () => {
    await tracing?.shutdown();
    collector.closeAllConnections();
    await new Promise((resolve) => collector.close(resolve));
  });
  assert.ok(tracing);
  await startTestFerry(t);
  const src = await createNamespace(t, "trace-src");
  const a = await createNamespace(t, "trace-a");
  await createConfigMap(src, "traced", { secretish: "value-never-exported" }, { annotations: { "ferry.dev/sync-to": a } });
  await waitForObject("ConfigMap", a, "traced");
  await waitFor(() => bodies.some((b) => b.includes("ferry.write")) && bodies.some((b) => b.includes("ferry.plan")), {
    timeoutMs: 20_000,
    description: "spans at the collector",
  });
  assert.ok(!bodies.some((b) => b.includes("value-never-exported")), "no data in spans");
});
