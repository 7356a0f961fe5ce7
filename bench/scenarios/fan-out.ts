// One new source -> copies in N namespaces, and a source update -> N copies updated, each right
// after the raw limit for the same number of writes. Done = the copy watch has seen the last copy
// holding the source's current value. A phase of about a second on 2 shared cores varies by a
// quarter from one run to the next (the same write path measured 1.08x to 1.42x raw in four runs), so
// short phases are measured `--trials` times, raw then operator each time, and the result is the
// trial with the median ratio, with every trial's numbers beside it. A trial longer than
// TRIAL_REPEAT_LIMIT_SECONDS is not repeated (a peer writing at 5 requests/s takes minutes).
import { countRequests } from "../measure/apiserver-requests.js";
import { measureCpu, type CpuReading } from "../measure/process-stats.js";
import { parallel, seconds, sleep } from "../measure/numbers.js";
import { waitFor } from "../../src/util/wait-for.js";
import { deleteSource, tokenOf, waitCopies, writeSource, type Context } from "./context.js";
import { rawWrites, type RawResult } from "./raw-writes.js";

export interface CopiesResult {
  copies: number;
  complete: boolean;
  /** Copies present when the wait ended (all of them unless incomplete). */
  present: number;
  seconds: number;
  firstCopySeconds?: number;
  raw: RawResult;
  ratio: number;
  cpuSeconds: CpuReading;
  writes: number;
  reads: number;
  byVerb: Record<string, number>;
  /** Every trial, in order, when the phase was measured more than once (the fields above are the median trial's). */
  trials?: Trial[];
}

export interface Trial {
  seconds: number;
  rawSeconds: number;
  ratio: number;
}

export const TRIAL_REPEAT_LIMIT_SECONDS = 30;

/** Measures up to `--trials` times while trials are short and complete; the median trial by ratio, with all trials. */
async function repeated(ctx: Context, measure: (trial: number) => Promise<CopiesResult>): Promise<CopiesResult> {
  const results: CopiesResult[] = [];
  for (let trial = 1; trial <= Math.max(1, ctx.options.trials); trial++) {
    const result = await measure(trial);
    results.push(result);
    if (!result.complete || result.seconds > TRIAL_REPEAT_LIMIT_SECONDS || result.raw.seconds > TRIAL_REPEAT_LIMIT_SECONDS) break;
  }
  if (results.length === 1) return results[0]!;
  const median = [...results].sort((a, b) => a.ratio - b.ratio)[Math.floor((results.length - 1) / 2)]!;
  return { ...median, trials: results.map((r) => ({ seconds: r.seconds, rawSeconds: r.raw.seconds, ratio: r.ratio })) };
}

async function timed(ctx: Context, name: string, generation: number, namespaces: readonly string[], raw: RawResult, write: () => Promise<void>): Promise<CopiesResult> {
  await ctx.watch.track(name);
  const requests = await countRequests(ctx.plane);
  const cpu = measureCpu(ctx.plane, () => ctx.running?.pid);
  const started = Date.now();
  await write();
  const result = await waitCopies(ctx, name, generation, namespaces.length, started);
  const cpuSeconds = cpu.stop();
  const counts = await requests.stop();
  return {
    copies: namespaces.length,
    complete: result.complete,
    present: result.present,
    seconds: result.seconds,
    firstCopySeconds: result.firstCopySeconds,
    raw,
    ratio: +(result.seconds / raw.seconds).toFixed(2),
    cpuSeconds,
    writes: counts.writes,
    reads: counts.reads,
    byVerb: counts.byVerb,
  };
}

/**
 * The raw limit for `namespaces`, then the operator's fan-out of source `name` to group `group`.
 * The first trial's source stays (later scenarios build on it); a repeated trial's source and raw
 * objects are deleted after it, and its copies too if the operator has not removed them within a
 * minute, so every operator leaves the same objects behind.
 */
export async function fanOut(ctx: Context, name: string, group: string, namespaces: readonly string[]): Promise<CopiesResult> {
  return repeated(ctx, async (trial) => {
    const source = trial === 1 ? name : `${name}-t${trial}`;
    ctx.log(`raw create x${namespaces.length}${trial > 1 ? ` (trial ${trial})` : ""}`);
    const raw = await rawWrites(ctx, namespaces, `raw-${source}`, 1);
    await sleep(2000); // the operator's watches digest the raw writes
    ctx.log(`fan-out x${namespaces.length}${trial > 1 ? ` (trial ${trial})` : ""}`);
    const result = await timed(ctx, source, 1, namespaces, raw, () => writeSource(ctx, source, group));
    if (trial > 1) await removeTrial(ctx, source, namespaces);
    return result;
  });
}

async function removeTrial(ctx: Context, source: string, namespaces: readonly string[]): Promise<void> {
  const remove = (name: string) => (namespace: string) => ctx.client.request("DELETE", `/api/v1/namespaces/${namespace}/secrets/${name}`).catch(() => undefined);
  const started = Date.now();
  await deleteSource(ctx, source);
  await parallel(namespaces, ctx.options.concurrency, remove(`raw-${source}`));
  const token = tokenOf(source, 1);
  await waitFor(() => ctx.watch.holding(source, token).length === 0, { timeoutMs: 60_000, intervalMs: 100 }).catch(() => undefined);
  const leftovers = ctx.watch.holding(source, token).map((sighting) => sighting.namespace);
  if (leftovers.length > 0) await parallel(leftovers, ctx.options.concurrency, remove(source));
  ctx.log(`trial source ${source} removed in ${seconds(Date.now() - started)} s (${leftovers.length} copies left by the operator, deleted)`);
  await sleep(2000);
}

/** The raw limit for updating `namespaces` objects, then the operator's update of source `name`'s copies; each trial is the next generation. */
export async function updateCopies(ctx: Context, name: string, namespaces: readonly string[]): Promise<CopiesResult> {
  return repeated(ctx, async (trial) => {
    const generation = trial + 1;
    ctx.log(`raw update x${namespaces.length}${trial > 1 ? ` (trial ${trial})` : ""}`);
    const raw = await rawWrites(ctx, namespaces, `raw-${name}`, generation);
    await sleep(2000);
    ctx.log(`update x${namespaces.length}${trial > 1 ? ` (trial ${trial})` : ""}`);
    return timed(ctx, name, generation, namespaces, raw, () => writeSource(ctx, name, "", generation));
  });
}
