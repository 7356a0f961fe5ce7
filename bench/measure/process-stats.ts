// CPU and memory of processes as the kernel accounts them (/proc), so that every operator (a Go
// binary or a node process) and the control plane are measured the same way.
import { readFileSync } from "node:fs";
import type { LocalControlPlane } from "../../src/controlplane/local-control-plane.js";

/** RSS now and its high-water mark (VmHWM: the peak since the process started). */
export function memoryOf(pid: number): { rssMiB: number; peakRssMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rssMiB: +(kib("VmRSS") / 1024).toFixed(1), peakRssMiB: +(kib("VmHWM") / 1024).toFixed(1) };
}

/** User + system CPU seconds used by a process so far (clock ticks of 10 ms). */
export function cpuSecondsOf(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0; // the process is gone
  }
}

export interface CpuReading {
  operator: number;
  benchProcess: number;
  apiserver: number;
  etcd: number;
}

/** CPU seconds so far of the operator, the benchmark's own process (its client), kube-apiserver and etcd. */
export function cpuReading(plane: LocalControlPlane, operatorPid: number | undefined): CpuReading {
  const own = process.cpuUsage();
  return {
    operator: cpuSecondsOf(operatorPid),
    benchProcess: (own.user + own.system) / 1e6,
    apiserver: cpuSecondsOf(plane.pid("apiserver")),
    etcd: cpuSecondsOf(plane.pid("etcd")),
  };
}

export function cpuDelta(after: CpuReading, before: CpuReading): CpuReading {
  const d = (key: keyof CpuReading) => +(after[key] - before[key]).toFixed(2);
  return { operator: d("operator"), benchProcess: d("benchProcess"), apiserver: d("apiserver"), etcd: d("etcd") };
}

/** Measures CPU from now on: `stop()` gives seconds per process. */
export function measureCpu(plane: LocalControlPlane, operatorPid: () => number | undefined): { stop(): CpuReading } {
  const pid = operatorPid();
  const before = cpuReading(plane, pid);
  return { stop: () => cpuDelta(cpuReading(plane, pid), before) };
}
