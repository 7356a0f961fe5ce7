// Runs one scenario and, with --profile, samples the operator's CPU during it (node inspector):
// the summary (self time per module and function) is kept with the scenario's result; the full
// profile is written to the profiles directory (open it in Chrome DevTools, or bench/profile-top.ts).
// Start-ups are profiled by the operator itself (RunningOperator.startProfile), kept here too.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { InspectorProfiler, summarize, type CpuProfile, type ProfileSummary } from "../measure/cpu-profile.js";
import type { Context } from "./context.js";

export const profiles: Record<string, ProfileSummary> = {};

export async function profiled<T>(ctx: Context, label: string, scenario: () => Promise<T>): Promise<T> {
  const url = ctx.options.profile ? ctx.running?.inspectorUrl : undefined;
  if (!url) return scenario();
  const profiler = new InspectorProfiler(url);
  await profiler.start();
  try {
    return await scenario();
  } finally {
    const profile = await profiler.stop().catch(() => undefined);
    profiler.close();
    if (profile) keepProfile(ctx, label, profile);
  }
}

/** Keeps a profile's summary for the report and the profile itself next to it. */
export function keepProfile(ctx: Pick<Context, "operator" | "options">, label: string, profile: CpuProfile): void {
  profiles[`${ctx.operator.name}/${label}`] = summarize(profile);
  const dir = join(ctx.options.out, "profiles");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${ctx.operator.name}-${label}.cpuprofile`), JSON.stringify(profile));
}
