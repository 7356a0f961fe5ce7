// The tables behind the side-by-side rows: where the CPU went during each write phase (every
// operator and its raw limit, plus the control plane), and how Ferry's cost grows (§3).
import type { HeapSummary } from "../measure/heap-snapshot.js";
import type { OperatorName } from "../operators/operator.js";
import { get, ms, num, s, type Obj } from "./cells.js";
import type { RunRecord } from "./run-record.js";

const phases = [
  ["fanout", "fan-out"],
  ["fanoutWide", "large fan-out"],
  ["update", "update"],
] as const;

export function cpuTable(run: RunRecord): string[] {
  const rows: string[] = [];
  for (const [name, record] of Object.entries(run.operators) as Array<[OperatorName, NonNullable<RunRecord["operators"][OperatorName]>]>) {
    for (const [key, label] of phases) {
      const phase = get(record.sideBySide, key);
      if (!phase) continue;
      const cell = (which: string) => `${num(phase, "cpuSeconds", which)} s / ${num(phase, "raw", "cpuSeconds", which)} s`;
      rows.push(`| ${name} | ${label} | ${num(phase, "cpuSeconds", "operator")} s | ${cell("benchProcess")} | ${cell("apiserver")} | ${cell("etcd")} |`);
    }
  }
  if (rows.length === 0) return [];
  return [
    "## Where the CPU went during the write phases (operator / raw)",
    "",
    `CPU seconds from /proc over each phase; ${run.machine.cpus} cores in all. The raw column is the same phase written by the benchmark's client, measured right before (the operator running, idle).`,
    "",
    "| operator | phase | operator's process | benchmark process (client, watch) | kube-apiserver | etcd |",
    "|---|---|---|---|---|---|",
    ...rows,
    "",
  ];
}

export function scalingTable(run: RunRecord): string[] {
  const points = (get(run.scaling, "points") as Obj[] | undefined) ?? [];
  if (points.length === 0) return get(run.scaling, "error") ? ["## How Ferry's cost grows", "", `Failed: ${String(get(run.scaling, "error")).split("\n")[0]}`, ""] : [];
  return [
    "## How Ferry's cost grows (namespaces x rules)",
    "",
    "Each point on its own (the previous point's rules and copies removed first). Plan pass: one full pass over the whole world (Ferry's `ferry_reconcile_duration_seconds`, forced by a rule that selects nothing). " +
      "Namespace event: a new namespace every rule selects, created one at a time: time until all its copies are present, and Ferry's CPU per event (its writes included). " +
      "Source event: one source updated: time until its first and last copy hold the new value, and Ferry's CPU for it.",
    "",
    "| namespaces x rules | copies | fan-out (copies/s; vs raw) | plan pass | RSS (heap) | namespace event: p50 / p99, CPU per event | source event: first / last copy, CPU (per copy) |",
    "|---|---|---|---|---|---|---|",
    ...points.map((p) => {
      const fan = get(p, "fanOut");
      const ratio = num(fan, "ratio") !== undefined ? `; ${num(fan, "ratio")}x raw` : "";
      const ns = get(p, "namespaceEvent");
      const src = get(p, "sourceEvent");
      return (
        `| ${num(p, "namespaces")} x ${num(p, "rules")} | ${num(p, "copies")} | ${s(num(fan, "seconds"))} (${num(fan, "copiesPerSecond")}/s${ratio}) | ${ms(num(p, "planPassSeconds"))} | ` +
        `${num(p, "rssMiB")} MiB (${num(p, "heapUsedMiB")} MiB) | ${ms(num(ns, "p50Seconds"))} / ${ms(num(ns, "p99Seconds"))}, ${num(ns, "cpuMsPerEvent")} ms (${num(ns, "writesPerEvent")} writes) | ` +
        `${ms(num(src, "firstCopySeconds"))} / ${s(num(src, "seconds"))}, ${num(src, "cpuMs")} ms (${num(src, "cpuMsPerCopy")} ms) |`
      );
    }),
    "",
  ];
}

/** With --profile: the top modules and functions of the operator's CPU per scenario. */
export function profileTable(run: RunRecord): string[] {
  const entries = Object.entries(run.profiles ?? {});
  if (entries.length === 0) return [];
  const top = (list: Array<{ name: string; ms: number }>, n: number) => list.slice(0, n).map((x) => `${x.name} ${x.ms} ms`).join("; ");
  return [
    "## Where the operator's CPU went, per scenario (sampling profiler, self time)",
    "",
    "| scenario | busy (idle) | top modules | top functions |",
    "|---|---|---|---|",
    ...entries.map(([key, p]) => `| ${key} | ${p.busyMs} ms (${p.idleMs} ms) | ${top(p.modules, 6)} | ${top(p.functions, 6)} |`),
    "",
  ];
}

/** With --profile: the heap snapshot of each operator in the memory scenario (self size by kind and by constructor). */
export function heapTable(run: RunRecord): string[] {
  const entries = Object.entries(run.operators).flatMap(([name, r]) => {
    const heap = get(r?.memory, "heap") as HeapSummary | undefined;
    return heap ? [[name, heap] as const] : [];
  });
  if (entries.length === 0) return [];
  return [
    "## Where the memory went in the memory scenario (heap snapshot after settling, self size)",
    "",
    "| operator | live heap | by kind | largest groups (constructor or kind: MiB, count) |",
    "|---|---|---|---|",
    ...entries.map(
      ([name, heap]) =>
        `| ${name} | ${heap.totalMiB} MiB | ${heap.byType.slice(0, 6).map((t) => `${t.name} ${t.mib}`).join("; ")} | ${heap.top.slice(0, 10).map((t) => `${t.name}: ${t.mib} (${t.count})`).join("; ")} |`,
    ),
    "",
  ];
}
