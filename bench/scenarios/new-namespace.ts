// A new namespace selected by every rule: the time from its create request until the copy watch
// has seen all R copies there, one namespace at a time (p50/p99 over many).
import { countRequests } from "../measure/apiserver-requests.js";
import { names, percentile, seconds, sleep } from "../measure/numbers.js";
import { measureCpu, type CpuReading } from "../measure/process-stats.js";
import { GROUP, deadlineFor, type Context } from "./context.js";
import { NamespaceArrivals } from "./namespace-arrivals.js";

export interface LatencyResult {
  namespaces: number;
  rules: number;
  complete: number;
  p50Seconds: number;
  p99Seconds: number;
  maxSeconds: number;
  cpuSeconds: CpuReading;
  writes: number;
  reads: number;
  byVerb: Record<string, number>;
}

export function latencySummary(latencies: number[]): { p50Seconds: number; p99Seconds: number; maxSeconds: number } {
  return { p50Seconds: seconds(percentile(latencies, 50)), p99Seconds: seconds(percentile(latencies, 99)), maxSeconds: seconds(Math.max(...latencies)) };
}

export async function newNamespaceLatency(ctx: Context, prefix: string, group: string, count: number, expected: ReadonlyMap<string, string>): Promise<LatencyResult> {
  ctx.log(`new namespaces x${count}, ${expected.size} rules each`);
  const arrivals = new NamespaceArrivals(ctx.watch, expected);
  const requests = await countRequests(ctx.plane);
  const cpu = measureCpu(ctx.plane, () => ctx.running?.pid);
  const latencies: number[] = [];
  try {
    for (const namespace of names(prefix, 0, count)) {
      arrivals.creating(namespace);
      await ctx.client.request("POST", "/api/v1/namespaces", { body: { metadata: { name: namespace, labels: { [GROUP]: group } } } });
      const deadline = deadlineFor(ctx, expected.size);
      while (arrivals.latency(namespace) === undefined && Date.now() < deadline) await sleep(1);
      const latency = arrivals.latency(namespace);
      if (latency !== undefined) latencies.push(latency);
      await sleep(100);
    }
  } finally {
    arrivals.close();
  }
  const counts = await requests.stop();
  return {
    namespaces: count,
    rules: expected.size,
    complete: latencies.length,
    ...latencySummary(latencies),
    cpuSeconds: cpu.stop(),
    writes: counts.writes,
    reads: counts.reads,
    byVerb: counts.byVerb,
  };
}
