// One new source -> copies in N namespaces, and a source update -> N copies updated, each right
// after the raw limit for the same number of writes. Done = the copy watch has seen the last copy
// holding the source's current value.
import { countRequests } from "../measure/apiserver-requests.js";
import { sleep } from "../measure/numbers.js";
import { measureCpu, type CpuReading } from "../measure/process-stats.js";
import { waitCopies, writeSource, type Context } from "./context.js";
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

/** The raw limit for `namespaces`, then the operator's fan-out of source `name` to group `group`. */
export async function fanOut(ctx: Context, name: string, group: string, namespaces: readonly string[]): Promise<CopiesResult> {
  ctx.log(`raw create x${namespaces.length}`);
  const raw = await rawWrites(ctx, namespaces, `raw-${name}`, 1);
  await sleep(2000); // the operator's watches digest the raw writes
  ctx.log(`fan-out x${namespaces.length}`);
  return timed(ctx, name, 1, namespaces, raw, () => writeSource(ctx, name, group));
}

/** The raw limit for updating `namespaces` objects, then the operator's update of source `name`'s copies. */
export async function updateCopies(ctx: Context, name: string, namespaces: readonly string[]): Promise<CopiesResult> {
  ctx.log(`raw update x${namespaces.length}`);
  const raw = await rawWrites(ctx, namespaces, `raw-${name}`, 2);
  await sleep(2000);
  ctx.log(`update x${namespaces.length}`);
  return timed(ctx, name, 2, namespaces, raw, () => writeSource(ctx, name, "", 2));
}
