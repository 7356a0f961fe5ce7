// What the benchmark needs of an operator of copies, whichever it is: how to start its real
// process against a cluster (as its users run it) and when it says it is ready, and how a source
// asks it for copies in the namespaces a label selector picks (each in its own annotations).
import type { CpuProfile } from "../measure/cpu-profile.js";

export type OperatorName = "ferry" | "replicator" | "config-syncer";

export interface RunningOperator {
  pid: number;
  /** Milliseconds from spawn until its readiness endpoint first answered 200. */
  readyMs: number;
  /** Its Prometheus endpoint, when it has one the benchmark reads (Ferry's plan passes, GC). */
  metricsUrl?: string;
  /** Its node inspector (http://host:port), when started for profiling (--profile). */
  inspectorUrl?: string;
  /** With --profile: where its CPU went from spawn until ready. */
  startProfile?: CpuProfile;
  /** SIGTERM, then SIGKILL after a grace period; resolves when the process is gone. */
  stop(): Promise<void>;
}

export interface StartOptions {
  kubeconfig: string;
  /** A directory of its own: logs, profiles, certificates. */
  dir: string;
}

export interface Operator {
  name: OperatorName;
  /** Name and version for the report, e.g. "kubernetes-replicator v2.12.4". */
  title: string;
  /** The command line it runs with, for the report. */
  commandLine(): string;
  /** What "ready" means for it (its endpoint and what that endpoint promises). */
  readiness: string;
  /** Why it cannot run on this machine (e.g. its binary is absent), else undefined. */
  unavailable(): string | undefined;
  start(options: StartOptions): Promise<RunningOperator>;
  /** Labels and annotations that make a Secret a source copied into the namespaces labelled `key=value`. */
  sourceMetadata(key: string, value: string): { labels?: Record<string, string>; annotations: Record<string, string> };
  /** Writes over an object that is not its copy at a target name (Ferry does not: a conflict). */
  overwritesUnmanaged: boolean;
}
