// The shape of one benchmark run as written to bench/results/<name>-<date>.json and rendered.
import type { ProfileSummary } from "../measure/cpu-profile.js";
import type { BenchOptions } from "../options.js";
import type { OperatorName } from "../operators/operator.js";

export interface OperatorRecord {
  title: string;
  commandLine: string;
  readiness: string;
  /** Why it was not measured (binary absent, not asked for). */
  skipped?: string;
  sideBySide?: Record<string, unknown>;
  memory?: Record<string, unknown>;
}

export interface RunRecord {
  date: string;
  machine: { cpus: number; cpuModel?: string; memoryGiB: number; kernel: string; node: string; loadAverageAtStart: number[] };
  versions: { ferry: string; kubernetes: string; etcd: string };
  options: BenchOptions;
  operators: Partial<Record<OperatorName, OperatorRecord>>;
  scaling?: Record<string, unknown>;
  /** Peers that cannot be run here at all, with the reason. */
  notRunnable: Array<{ name: string; reason: string }>;
  /** With --profile: where each operator's CPU went per scenario ("ferry/update"). */
  profiles?: Record<string, ProfileSummary>;
  seconds: number;
}
