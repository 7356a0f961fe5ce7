// Renders a bench/engine.ts run as one markdown table (every scenario, absolute and as a ratio to the
// raw write limit where one applies, with writes and reads from kube-apiserver's /metrics).

export const replicatorNote = {
  built: false,
  module: "github.com/mittwald/kubernetes-replicator",
  versionsTried: ["v2.11.1", "v2.10.2", "v2.9.2", "latest"],
  /** Also tried: GOPROXY=direct (github.com does not resolve here). */
  reason:
    'The Go module proxy answers 403 "This module version is not available" for github.com/mittwald/kubernetes-replicator at every version tried ' +
    "(`go install github.com/mittwald/kubernetes-replicator@v2.11.1` fails the same way; checked again on 2026-11-25, also with GOPROXY=direct, where github.com does not resolve), and no other source is allowed in this environment, " +
    "so no kubernetes-replicator column could be measured.",
};

type R = Record<string, Record<string, unknown> | undefined>;
interface Run {
  date: string;
  machine: { cpus: number; cpuModel?: string; memoryGiB: number; kernel: string; node: string };
  versions: { ferry: string; kubernetes: string; etcd: string };
  options: { concurrency: number; idleSeconds: number };
  /** How the memory scenario started its Ferry process. */
  memoryProcess?: string;
  results: R;
}

const mark = (ok: boolean | undefined) => (ok === undefined ? "" : ok ? "met" : "**not met**");
const na = "n/a (not built, see below)";

type Cpu = { benchProcess: number; apiserver: number; etcd: number };

/** Where the CPU went during each write phase, Ferry's and the raw baseline's: the profile of the ratios. */
function cpuTable(r: R): string[] {
  const rows: string[] = [];
  for (const [key, label] of [["fanout", "fan-out"], ["fanoutWide", "large fan-out"], ["update", "update"]] as const) {
    const cpu = r[key]?.cpuSeconds as { ferry: Cpu; raw: Cpu } | undefined;
    if (!cpu) continue;
    const cell = (which: keyof Cpu) => `${cpu.ferry[which]} s / ${cpu.raw[which]} s`;
    rows.push(`| ${label} | ${cell("benchProcess")} | ${cell("apiserver")} | ${cell("etcd")} |`);
  }
  if (rows.length === 0) return [];
  return [
    "## Where the time goes: CPU seconds during the write phase (Ferry / raw)",
    "",
    "The benchmark process holds Ferry (in-process) and the raw client; the control plane's processes are read from /proc. 2 cores in total.",
    "",
    "| scenario | Ferry + bench client | kube-apiserver | etcd |",
    "|---|---|---|---|",
    ...rows,
    "",
  ];
}

export function renderMarkdown(run: Run): string {
  const r = run.results;
  const rows: string[] = [];
  const ratioRow = (label: string, x: Record<string, unknown> | undefined, target: string, ok?: boolean) => {
    if (!x) return;
    const detail = x.firstCopySeconds !== undefined ? ` (first copy ${x.firstCopySeconds} s; Ferry's status says synced at ${x.reportedSeconds} s)` : "";
    rows.push(`| ${label} | ${x.seconds} s${detail} | ${x.rawSeconds} s | ${x.ratio}x | ${x.writes} | ${x.reads} | ${target} | ${mark(ok)} | ${na} |`);
  };
  ratioRow(`one new source -> ${r.fanout?.namespaces} namespaces, all copies present`, r.fanout, "<= 1.2x raw", (r.fanout?.ratio as number) <= 1.2);
  ratioRow(
    `same for ${r.fanoutWide?.namespaces} namespaces`,
    r.fanoutWide,
    "recorded; ratio should not grow",
    r.fanoutWide && r.fanout ? (r.fanoutWide.ratio as number) <= (r.fanout.ratio as number) * 1.1 : undefined,
  );
  ratioRow(`source update -> ${r.update?.copies} copies updated`, r.update, "<= 1.2x raw", (r.update?.ratio as number) <= 1.2);
  const nn = r.newNamespace;
  if (nn)
    rows.push(
      `| new namespace with ${nn.rules} rules selecting it: all copies present (${nn.namespaces} namespaces) | p50 ${nn.p50Seconds} s, p99 ${nn.p99Seconds} s (max ${nn.maxSeconds} s) | | | ${nn.writes} | ${nn.reads} | p99 < 0.5 s | ${mark((nn.p99Seconds as number) < 0.5)} | ${na} |`,
    );
  const idle = r.idle;
  if (idle) {
    rows.push(
      `| idle ${idle.seconds} s with ${idle.namespaces} namespaces x ${idle.rules} rules in sync (${idle.copies} copies${idle.conflictTargets ? `, ${idle.conflictTargets} of them in conflict` : ""}) | ${idle.writes} writes${idle.eventWrites !== undefined ? ` (${idle.eventWrites} Events)` : ""} | | | ${idle.writes} | ${idle.reads} | 0 writes | ${mark(idle.writes === 0)} | ${na} |`,
    );
    const idleDetail = idle.planPasses !== undefined ? ` (${idle.planPasses} plan passes, ${idle.gcSeconds} s in GC)` : "";
    rows.push(`| idle CPU in that window | ${idle.cpuPercentOfCore}% of a core${idleDetail} | | | | | < 1% of a core | ${mark((idle.cpuPercentOfCore as number) < 1)} | ${na} |`);
  }
  const rs = r.restart;
  if (rs) rows.push(`| restart Ferry while everything is in sync | ready in ${rs.secondsToReady} s | | | ${rs.writes} | ${rs.reads} | 0 writes; time to ready recorded | ${mark(rs.writes === 0)} | ${na} |`);
  const runs = (r.memory?.runs ?? []) as Array<{ secretBytes: number; secrets: number; namespaces: number; rssMiB: number; peakRssMiB: number; heapUsedMiB: number; secondsToReady: number; idleCpuPercentOfCore: number; vsFirst: number; writes: number; reads: number }>;
  for (const [i, m] of runs.entries()) {
    const label = `RSS of a Ferry process, ${m.namespaces} namespaces, ${m.secrets} unrelated Secrets of ${m.secretBytes >= 1024 ? `${m.secretBytes / 1024} KiB` : `${m.secretBytes} B`}`;
    const value = `${m.rssMiB} MiB (peak ${m.peakRssMiB} MiB, heap ${m.heapUsedMiB} MiB, ready in ${m.secondsToReady} s, idle CPU ${m.idleCpuPercentOfCore}%)`;
    const target = i === 0 ? "< 150 MiB" : "< 150 MiB and within 10% of the first";
    const ok = m.rssMiB < 150 && (i === 0 || Math.abs(m.vsFirst - 1) <= 0.1);
    rows.push(`| ${label} | ${value} | | ${i === 0 ? "" : `${m.vsFirst}x of the first`} | ${m.writes} | ${m.reads} | ${target} | ${mark(ok)} | ${na} |`);
  }
  return [
    `# Ferry engine benchmark (${run.date})`,
    "",
    `Machine: ${run.machine.cpus} cores (${run.machine.cpuModel}), ${run.machine.memoryGiB} GiB, Linux ${run.machine.kernel}, node ${run.machine.node}. ` +
      `Ferry ${run.versions.ferry}, Kubernetes ${run.versions.kubernetes} local control plane (etcd ${run.versions.etcd}, 8 GiB quota), concurrency ${run.options.concurrency}.`,
    "",
    "Raw limit: the same client, connection pool and concurrency creating (or updating) the same number of Secrets directly, measured right before the scenario with Ferry running. " +
      "Writes/reads: kube-apiserver `apiserver_request_total` (Secrets, ConfigMaps, Events, Namespaces, ServiceAccounts, Ferry CRDs; not Leases, which the control plane renews itself) during the scenario, all clients; " +
      "the fan-out/update counts therefore include the source write by the benchmark itself (+1). " +
      "Copies present/updated: the time from the source write until a separate watch of Ferry's copies (by label) has seen the last one; " +
      "Ferry's own status (all copies synced) follows after its next plan pass and is shown next to it.",
    ...(run.memoryProcess ? ["", `Memory: a separate Ferry process started as the image starts it (\`${run.memoryProcess}\`), measured after 60 s of settling.`] : []),
    "",
    "| scenario | Ferry | raw limit | ratio | writes | reads | target | | kubernetes-replicator |",
    "|---|---|---|---|---|---|---|---|---|",
    ...rows,
    "",
    ...cpuTable(r),
    "## kubernetes-replicator",
    "",
    replicatorNote.reason,
    "",
  ].join("\n");
}
