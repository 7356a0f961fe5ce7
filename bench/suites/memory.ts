// Memory with many namespaces and many unrelated Secrets (no rule reads them): one fresh control
// plane filled once, then each operator started on it in turn as a fresh process: time to ready,
// peak RSS (VmHWM: the initial lists), RSS after settling, idle CPU, and what it wrote.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { InspectorProfiler } from "../measure/cpu-profile.js";
import { summarizeHeap, type HeapSummary } from "../measure/heap-snapshot.js";
import { keepProfile } from "../scenarios/profiled.js";
import { randomBytes } from "node:crypto";
import { countRequests } from "../measure/apiserver-requests.js";
import { names, parallel, seconds, sleep } from "../measure/numbers.js";
import { cpuSecondsOf, memoryOf } from "../measure/process-stats.js";
import { ferryCounters } from "../measure/prometheus-text.js";
import type { Operator } from "../operators/operator.js";
import type { BenchOptions } from "../options.js";
import { GROUP, createNamespaces, settleControllerManager } from "../scenarios/context.js";
import { withPlane } from "./plane.js";

export interface MemoryResult {
  namespaces: number;
  secrets: number;
  secretBytes: number;
  secondsToReady: number;
  rssMiB: number;
  peakRssMiB: number;
  heapUsedMiB?: number;
  idleCpuPercentOfCore: number;
  writes: number;
  reads: number;
  byVerb: Record<string, number>;
  /** With --profile: the heap snapshot's summary. */
  heap?: HeapSummary;
}

/** Takes a heap snapshot through the inspector; the file goes next to the CPU profiles. */
async function heapOf(ctx: { operator: { name: string }; options: BenchOptions }, inspectorUrl: string): Promise<HeapSummary> {
  const profiler = new InspectorProfiler(inspectorUrl);
  try {
    const text = await profiler.heapSnapshot();
    const dir = join(ctx.options.out, "profiles");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${ctx.operator.name}-memory.heapsnapshot`), text);
    return summarizeHeap(text);
  } finally {
    profiler.close();
  }
}

export async function memorySuite(operators: Operator[], options: BenchOptions, log: (message: string) => void): Promise<Record<string, MemoryResult | { error: string }>> {
  const results: Record<string, MemoryResult | { error: string }> = {};
  if (operators.length === 0) return results;
  // The plane is filled once; each operator's process is started on it in turn (they write nothing here).
  await withPlane("memory", operators[0]!, options, log, async (ctx) => {
    const existing = (await ctx.client.get<{ items: unknown[] }>("/api/v1/namespaces")).items.length;
    const list = names("mem", 0, Math.max(0, options.memoryNamespaces - existing));
    ctx.log(`${list.length} namespaces, ${options.memorySecrets} Secrets of ${options.memoryBytes} B`);
    await createNamespaces(ctx, list, { [GROUP]: "memory" });
    const value = randomBytes(options.memoryBytes).toString("base64");
    const t = Date.now();
    await parallel(
      Array.from({ length: options.memorySecrets }, (_, i) => i),
      options.concurrency,
      (i) => ctx.client.request("POST", `/api/v1/namespaces/${list[i % list.length]}/secrets`, { body: { metadata: { name: `unrelated-${i}` }, data: { blob: value } } }),
    );
    ctx.log(`Secrets written in ${seconds(Date.now() - t)} s`);
    await settleControllerManager(ctx);
    for (const operator of operators) {
      ctx.operator = operator;
      try {
        const requests = await countRequests(ctx.plane);
        const running = await ctx.start();
        if (running.startProfile) keepProfile(ctx, "memoryStart", running.startProfile);
        await sleep(options.memorySettleSeconds * 1000);
        const cpu0 = cpuSecondsOf(running.pid);
        await sleep(options.memorySettleSeconds * 1000);
        const cpu1 = cpuSecondsOf(running.pid);
        const memory = memoryOf(running.pid);
        const counters = await ferryCounters(running.metricsUrl);
        const counts = await requests.stop();
        // With --profile, after the readings (a snapshot collects garbage and allocates): where the heap went.
        const heap = running.inspectorUrl ? await heapOf(ctx, running.inspectorUrl) : undefined;
        results[operator.name] = {
          namespaces: options.memoryNamespaces,
          secrets: options.memorySecrets,
          secretBytes: options.memoryBytes,
          secondsToReady: seconds(running.readyMs),
          ...memory,
          heapUsedMiB: counters.heapUsedMiB,
          idleCpuPercentOfCore: +(((cpu1 - cpu0) / options.memorySettleSeconds) * 100).toFixed(3),
          writes: counts.writes,
          reads: counts.reads,
          byVerb: counts.byVerb,
          ...(heap ? { heap } : {}),
        };
        ctx.log(`${operator.name}: RSS ${memory.rssMiB} MiB, peak ${memory.peakRssMiB} MiB`);
      } catch (error) {
        results[operator.name] = { error: (error as Error).message };
      } finally {
        await ctx.running?.stop();
        ctx.running = undefined;
      }
    }
  });
  return results;
}
