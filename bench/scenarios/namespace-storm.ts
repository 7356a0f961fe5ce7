// Namespaces created at a steady rate (50/s for 60 s at full size), in two ways:
// - churn: the storm's namespaces are selected by no rule, and one namespace per second that all
//   R rules select is created among them: its latency (p50/p99) under that load;
// - selected: every storm namespace is selected by all R rules (R copies each): latency per
//   namespace, and the backlog (copies still missing) each second: it must not grow while the
//   demanded write rate (rate x R) is within the raw write limit.
import { countRequests } from "../measure/apiserver-requests.js";
import { seconds, sleep } from "../measure/numbers.js";
import { measureCpu, type CpuReading } from "../measure/process-stats.js";
import { GROUP, type Context } from "./context.js";
import { NamespaceArrivals } from "./namespace-arrivals.js";
import { latencySummary } from "./new-namespace.js";

export interface StormResult {
  mode: "churn" | "selected";
  rate: number;
  seconds: number;
  namespacesCreated: number;
  /** Namespaces whose latency was measured (churn: the probes; selected: all). */
  measured: number;
  complete: number;
  p50Seconds: number;
  p99Seconds: number;
  maxSeconds: number;
  /** p99 over the first and the last fifth of the window (backlog growth shows as a rising p99). */
  firstFifthP99Seconds: number;
  lastFifthP99Seconds: number;
  /** Copies demanded per second, and copies missing at each second of the window and at its end. */
  demandedWritesPerSecond: number;
  backlog: number[];
  /** Seconds after the storm until no copy was missing (undefined: not within the drain wait). */
  drainSeconds?: number;
  missingAfterDrainWait: number;
  cpuSeconds: CpuReading;
  writes: number;
  byVerb: Record<string, number>;
}

export async function namespaceStorm(ctx: Context, mode: "churn" | "selected", group: string, expected: ReadonlyMap<string, string>, drainWaitMs: number): Promise<StormResult> {
  const { stormRate: rate, stormSeconds } = ctx.options;
  ctx.log(`storm (${mode}): ${rate} namespaces/s for ${stormSeconds} s`);
  const arrivals = new NamespaceArrivals(ctx.watch, expected);
  const requests = await countRequests(ctx.plane);
  const cpu = measureCpu(ctx.plane, () => ctx.running?.pid);
  const measured: Array<{ namespace: string; at: number }> = [];
  const creates: Promise<unknown>[] = [];
  const backlog: number[] = [];
  const total = Math.round(rate * stormSeconds);
  const started = Date.now();
  const create = (namespace: string, labels: Record<string, string>, timed: boolean) => {
    if (timed) {
      arrivals.creating(namespace);
      measured.push({ namespace, at: Date.now() - started });
    }
    creates.push(ctx.client.request("POST", "/api/v1/namespaces", { body: { metadata: { name: namespace, labels } } }).catch((error: Error) => ctx.log(`create ${namespace}: ${error.message}`)));
  };
  let nextSecond = 1;
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    if (due > Date.now()) await sleep(due - Date.now());
    const name = `storm-${mode}-${String(i).padStart(5, "0")}`;
    create(name, { [GROUP]: mode === "selected" ? group : `${group}-churn` }, mode === "selected");
    if (mode === "churn" && i % Math.max(1, Math.round(rate)) === 0) create(`probe-${String(i).padStart(5, "0")}`, { [GROUP]: group }, true);
    if (Date.now() - started >= nextSecond * 1000) {
      backlog.push(arrivals.missing());
      nextSecond++;
    }
  }
  await Promise.all(creates);
  backlog.push(arrivals.missing());
  const stormEnd = Date.now();
  let drainSeconds: number | undefined;
  while (Date.now() - stormEnd < drainWaitMs) {
    if (arrivals.missing() === 0) {
      drainSeconds = seconds(Date.now() - stormEnd);
      break;
    }
    await sleep(20);
  }
  const missingAfterDrainWait = arrivals.missing();
  arrivals.close();
  const window = (from: number, to: number) =>
    measured.filter((m) => m.at >= from * stormSeconds * 1000 && m.at < to * stormSeconds * 1000).flatMap((m) => arrivals.latency(m.namespace) ?? []);
  const latencies = measured.flatMap((m) => arrivals.latency(m.namespace) ?? []);
  const counts = await requests.stop();
  const p99 = (values: number[]) => (values.length ? latencySummary(values).p99Seconds : Number.NaN);
  return {
    mode,
    rate,
    seconds: stormSeconds,
    namespacesCreated: creates.length,
    measured: measured.length,
    complete: latencies.length,
    ...latencySummary(latencies),
    firstFifthP99Seconds: p99(window(0, 0.2)),
    lastFifthP99Seconds: p99(window(0.8, 1.01)),
    demandedWritesPerSecond: mode === "selected" ? rate * expected.size : expected.size,
    backlog,
    drainSeconds,
    missingAfterDrainWait,
    cpuSeconds: cpu.stop(),
    writes: counts.writes,
    byVerb: counts.byVerb,
  };
}
