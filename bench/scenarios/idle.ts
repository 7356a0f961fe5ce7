// Everything in sync, nothing changes: what the operator writes (copies, Events, statuses, any
// resource but Leases) and how much CPU its process uses over the window, with a share of its
// targets in conflict (objects it does not own at a copy's name: Ferry reports them once, on the
// transition, and must not report them again while idle).
import { countRequests } from "../measure/apiserver-requests.js";
import { seconds, sleep } from "../measure/numbers.js";
import { measureCpu, type CpuReading } from "../measure/process-stats.js";
import { countersDelta, ferryCounters, type FerryCounters } from "../measure/prometheus-text.js";
import { settle, type Context } from "./context.js";

export interface IdleResult {
  seconds: number;
  /** Targets of every rule, copies among them, and targets held by unmanaged objects. */
  targets: number;
  copies: number;
  conflicts: number;
  conflictShare: number;
  writes: number;
  /** Event writes (create/patch) among the writes. */
  events: number;
  reads: number;
  byVerb: Record<string, number>;
  cpuPercentOfCore: number;
  cpuSeconds: CpuReading;
  /** The operator's own view, where it publishes one (Ferry: plan passes, their time, GC). */
  counters?: FerryCounters;
}

export async function idleWindow(ctx: Context, state: { targets: number; copies: number; conflicts: number }): Promise<IdleResult> {
  await settle(ctx, 5000);
  await sleep(5000);
  ctx.log(`idle ${ctx.options.idleSeconds} s (${state.copies} copies, ${state.conflicts} targets in conflict)`);
  const metricsUrl = ctx.running?.metricsUrl;
  const countersBefore = await ferryCounters(metricsUrl);
  const requests = await countRequests(ctx.plane);
  const cpu = measureCpu(ctx.plane, () => ctx.running?.pid);
  const started = Date.now();
  await sleep(ctx.options.idleSeconds * 1000);
  const cpuSeconds = cpu.stop();
  const elapsed = Date.now() - started;
  const counts = await requests.stop();
  const counters = metricsUrl ? countersDelta(await ferryCounters(metricsUrl), countersBefore) : undefined;
  return {
    seconds: seconds(elapsed),
    ...state,
    conflictShare: state.targets ? +(state.conflicts / state.targets).toFixed(3) : 0,
    writes: counts.writes,
    events: counts.events,
    reads: counts.reads,
    byVerb: counts.byVerb,
    cpuPercentOfCore: +((cpuSeconds.operator / (elapsed / 1000)) * 100).toFixed(3),
    cpuSeconds,
    counters,
  };
}
