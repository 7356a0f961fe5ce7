// How Ferry's cost grows with namespaces x rules (issue 19 §3), on its own control plane: for
// each point, the fan-out of every rule, the time of one full plan pass over that world (from
// Ferry's own histogram, forced by a rule that selects nothing), Ferry's memory, and what one
// event costs: a new namespace (Ferry's CPU per event and the time until its R copies), and a
// source update (until its N copies). The R = 1 points are timed against the raw limit too: the
// largest is the fan-out to 20,000 namespaces.
import { countRequests } from "../measure/apiserver-requests.js";
import { names, percentile, seconds, sleep } from "../measure/numbers.js";
import { cpuSecondsOf, memoryOf } from "../measure/process-stats.js";
import { countersDelta, ferryCounters } from "../measure/prometheus-text.js";
import type { Operator } from "../operators/operator.js";
import type { BenchOptions } from "../options.js";
import { createNamespaces, deleteSource, settle, settleControllerManager, tokenOf, waitCopies, writeSource, type Context } from "../scenarios/context.js";
import { NamespaceArrivals } from "../scenarios/namespace-arrivals.js";
import { rawWrites } from "../scenarios/raw-writes.js";
import { withPlane } from "./plane.js";
import { waitFor } from "../../src/util/wait-for.js";

const firstLabel = (n: number) => `bench.ferry.dev/first-${n}`;

export interface ScalePoint {
  namespaces: number;
  rules: number;
  copies: number;
  fanOut: { seconds: number; copiesPerSecond: number; complete: boolean; rawSeconds?: number; ratio?: number };
  planPassSeconds?: number;
  rssMiB: number;
  heapUsedMiB?: number;
  namespaceEvent: { events: number; p50Seconds: number; p99Seconds: number; cpuMsPerEvent: number; writesPerEvent: number };
  sourceEvent: { copies: number; firstCopySeconds?: number; seconds: number; cpuMs: number; cpuMsPerCopy: number };
}

async function planPassSeconds(ctx: Context): Promise<number | undefined> {
  const url = ctx.running?.metricsUrl;
  await settle(ctx, 2000);
  const before = await ferryCounters(url);
  if (before.planPasses === undefined) return undefined;
  // A rule that selects no namespace: one full pass over the whole world, no write.
  await writeSource(ctx, "probe", "", 1, ["bench.ferry.dev/none", "true"]);
  await waitFor(async () => ((await ferryCounters(url)).planPasses ?? 0) > before.planPasses!, { timeoutMs: 120_000, intervalMs: 20, description: "a plan pass" });
  await sleep(1000);
  const delta = countersDelta(await ferryCounters(url), before);
  await deleteSource(ctx, "probe");
  return delta.planPasses ? +((delta.planSeconds ?? 0) / delta.planPasses).toFixed(4) : undefined;
}

async function point(ctx: Context, n: number, r: number, all: readonly string[], rawByN: Map<number, { seconds: number }>): Promise<ScalePoint> {
  const key = firstLabel(n);
  const sources = Array.from({ length: r }, (_, i) => `s${n}x${r}-${String(i).padStart(3, "0")}`);
  for (const name of sources) await ctx.watch.track(name);
  let raw: { seconds: number } | undefined;
  if (r === 1) {
    ctx.log(`raw create x${n}`);
    raw = await rawWrites(ctx, all.slice(0, n), `raw-${n}`, 1);
    rawByN.set(n, raw);
    await sleep(2000);
  }
  ctx.log(`${n} namespaces x ${r} rules: fan-out`);
  const started = Date.now();
  await Promise.all(sources.map((name) => writeSource(ctx, name, "", 1, [key, "true"])));
  let complete = true;
  let lastSeconds = 0;
  for (const name of sources) {
    const result = await waitCopies(ctx, name, 1, n, started);
    complete &&= result.complete;
    lastSeconds = Math.max(lastSeconds, result.seconds);
  }
  const fanOut = { seconds: lastSeconds, copiesPerSecond: Math.round((n * r) / lastSeconds), complete, rawSeconds: raw?.seconds, ratio: raw ? +(lastSeconds / raw.seconds).toFixed(2) : undefined };
  const pass = await planPassSeconds(ctx);
  await settle(ctx, 3000);
  const memory = memoryOf(ctx.running!.pid);
  const heap = (await ferryCounters(ctx.running?.metricsUrl)).heapUsedMiB;

  ctx.log(`${n} x ${r}: namespace events`);
  const expected = new Map(sources.map((name) => [name, tokenOf(name, 1)]));
  const arrivals = new NamespaceArrivals(ctx.watch, expected);
  const events = ctx.options.scaleEvents;
  const requests = await countRequests(ctx.plane);
  const cpu0 = cpuSecondsOf(ctx.running!.pid);
  const latencies: number[] = [];
  for (const namespace of names(`ev-${n}x${r}`, 0, events)) {
    arrivals.creating(namespace);
    await ctx.client.request("POST", "/api/v1/namespaces", { body: { metadata: { name: namespace, labels: { [key]: "true" } } } });
    await waitFor(() => arrivals.latency(namespace) !== undefined, { timeoutMs: 120_000, intervalMs: 1, description: `copies in ${namespace}` }).catch(() => undefined);
    const latency = arrivals.latency(namespace);
    if (latency !== undefined) latencies.push(latency);
    await sleep(200);
  }
  arrivals.close();
  const eventCpu = cpuSecondsOf(ctx.running!.pid) - cpu0;
  const eventWrites = (await requests.stop()).byVerb["POST secrets"] ?? 0;

  ctx.log(`${n} x ${r}: source event`);
  await settle(ctx, 2000);
  const cpu1 = cpuSecondsOf(ctx.running!.pid);
  const t = Date.now();
  await writeSource(ctx, sources[0]!, "", 2);
  const updated = await waitCopies(ctx, sources[0]!, 2, n + events, t);
  await settle(ctx, 1000);
  const sourceCpu = cpuSecondsOf(ctx.running!.pid) - cpu1;

  ctx.log(`${n} x ${r}: removing the rules`);
  await Promise.all(sources.map((name) => deleteSource(ctx, name)));
  await waitFor(
    async () => (await ctx.client.get<{ items: unknown[] }>("/api/v1/secrets", { query: { labelSelector: "app.kubernetes.io/managed-by=ferry", limit: 1 } })).items.length === 0,
    { timeoutMs: 3_600_000, intervalMs: 1000, description: "copies pruned" },
  );
  return {
    namespaces: n,
    rules: r,
    copies: n * r,
    fanOut,
    planPassSeconds: pass,
    rssMiB: memory.rssMiB,
    heapUsedMiB: heap,
    namespaceEvent: {
      events,
      p50Seconds: seconds(percentile(latencies, 50)),
      p99Seconds: seconds(percentile(latencies, 99)),
      cpuMsPerEvent: Math.round((eventCpu * 1000) / events),
      writesPerEvent: +(eventWrites / events).toFixed(1),
    },
    sourceEvent: {
      copies: n + events,
      firstCopySeconds: updated.firstCopySeconds,
      seconds: updated.seconds,
      cpuMs: Math.round(sourceCpu * 1000),
      cpuMsPerCopy: +((sourceCpu * 1000) / (n + events)).toFixed(3),
    },
  };
}

export async function scalingSuite(ferry: Operator, options: BenchOptions, log: (message: string) => void): Promise<Record<string, unknown>> {
  const results: Record<string, unknown> = { points: [] as ScalePoint[] };
  await withPlane("scaling", ferry, options, log, async (ctx) => {
    const sizes = [...new Set(options.scalePoints.map((p) => p.namespaces))].sort((a, b) => a - b);
    const all = names("scale", 0, sizes.at(-1) ?? 0);
    ctx.log(`creating ${all.length} namespaces`);
    for (let i = 0, from = 0; i < sizes.length; i++) {
      const to = sizes[i]!;
      // A namespace among the first n carries first-n and every larger size's label.
      const labels = Object.fromEntries(sizes.slice(i).map((size) => [firstLabel(size), "true"]));
      await createNamespaces(ctx, all.slice(from, to), labels);
      from = to;
    }
    await settleControllerManager(ctx);
    await ctx.start();
    const rawByN = new Map<number, { seconds: number }>();
    for (const { namespaces, rules } of options.scalePoints) {
      (results.points as ScalePoint[]).push(await point(ctx, namespaces, rules, all, rawByN));
    }
  }).catch((error: Error) => {
    results.error = error.stack ?? error.message;
    log(`scaling failed: ${error.message}`);
  });
  return results;
}
