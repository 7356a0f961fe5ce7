// Restart while everything is in sync: stop the operator (SIGTERM), start a new process, and time
// spawn -> ready; then count what it writes until it has settled (it should write nothing).
import { countRequests } from "../measure/apiserver-requests.js";
import { seconds, sleep } from "../measure/numbers.js";
import { cpuSecondsOf } from "../measure/process-stats.js";
import { settle, type Context } from "./context.js";
import { keepProfile } from "./profiled.js";

export interface RestartResult {
  copies: number;
  secondsToReady: number;
  /** CPU seconds of the new process from spawn until ready, and until it settled. */
  cpuSecondsToReady: number;
  cpuSecondsToSettled: number;
  writes: number;
  events: number;
  reads: number;
  byVerb: Record<string, number>;
}

export async function restartInSync(ctx: Context, copies: number, label = "restart", settleMs = 10_000): Promise<RestartResult> {
  await settle(ctx, 3000);
  ctx.log(`restart with ${copies} copies in sync`);
  await ctx.running?.stop();
  ctx.running = undefined;
  const requests = await countRequests(ctx.plane);
  const running = await ctx.start();
  if (running.startProfile) keepProfile(ctx, label, running.startProfile);
  const cpuSecondsToReady = cpuSecondsOf(running.pid);
  await sleep(settleMs);
  await settle(ctx, 3000);
  const counts = await requests.stop();
  return {
    copies,
    secondsToReady: seconds(running.readyMs),
    cpuSecondsToReady,
    cpuSecondsToSettled: cpuSecondsOf(running.pid),
    writes: counts.writes,
    events: counts.events,
    reads: counts.reads,
    byVerb: counts.byVerb,
  };
}
