// One markdown report of a run: the machine and versions, how each operator was run, the
// side-by-side table, where the CPU went, and how Ferry's cost grows.
import { get } from "./cells.js";
import { commandLine } from "./command-line.js";
import { cpuTable, heapTable, profileTable, scalingTable } from "./detail-tables.js";
import type { RunRecord } from "./run-record.js";
import { sideBySideTable } from "./side-by-side-table.js";

export function renderReport(run: RunRecord): string {
  const m = run.machine;
  const o = run.options;
  const operators = Object.entries(run.operators).map(([name, r]) =>
    r.skipped ? `- ${name}: **skipped**: ${r.skipped}` : `- ${r.title}: \`${r.commandLine}\`; ready = ${r.readiness}.${get(r.sideBySide, "error") ? ` The suite failed: ${String(get(r.sideBySide, "error")).split("\n")[0]}` : ""}`,
  );
  return [
    `# Ferry benchmark (${run.date})`,
    "",
    `Machine: ${m.cpus} cores (${m.cpuModel}), ${m.memoryGiB} GiB, Linux ${m.kernel}, node ${m.node}; load average at start ${m.loadAverageAtStart.map((l) => l.toFixed(2)).join(" / ")}. ` +
      `Kubernetes ${run.versions.kubernetes} local control plane (etcd ${run.versions.etcd}). Whole run: ${Math.round(run.seconds / 60)} min.`,
    "",
    `Command: \`${commandLine(o)}\` (all options in the JSON next to this file).`,
    "",
    "Each operator runs as its users run it, as its own process, on its own fresh control plane, one at a time, with the same scenarios, sizes and measuring code (bench/suites/side-by-side.ts); " +
      "the memory scenario starts each operator in turn on one more fresh control plane filled once (bench/suites/memory.ts). Every source is a Secret that selects its target namespaces by a label selector, in each operator's own annotations. " +
      "Copies present/updated: when a separate watch of the copies' name has seen the last one hold the source's current value. " +
      `Raw limit (bench/scenarios/raw-writes.ts): the benchmark's own client, with no rate limit and ${o.concurrency} writes in flight (Ferry's default --concurrency), creating or updating the same number of copy-shaped Secrets (as many labels and annotations, of the same lengths, and the same data as Ferry's copies) on the same plane, with the operator running, right before the operator's turn; ` +
      "like a controller it watches what it writes (one label-selected watch), and its time ends when the same separate watch sees the last object. " +
      "It is a reference, not a proven bound: the writer reads no source, plans nothing and checks no ownership, so it is what this machine's apiserver and etcd accept at that concurrency; a writer with more requests in flight could be faster, and the ratio to it is what an operator adds on top of its writes. " +
      "Writes and reads: kube-apiserver's `apiserver_request_total` for Secrets, ConfigMaps, Events, Namespaces, ServiceAccounts, CRDs and Ferry's resources (not Leases), all clients. CPU and RSS: /proc of each process.",
    "",
    ...operators,
    ...run.notRunnable.map((p) => `- ${p.name}: not run: ${p.reason}`),
    "",
    ...sideBySideTable(run),
    "",
    ...cpuTable(run),
    ...scalingTable(run),
    ...profileTable(run),
    ...heapTable(run),
  ].join("\n");
}
