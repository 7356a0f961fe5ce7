// The side-by-side table: one row per scenario; Ferry, the raw limit, each peer; Ferry's target
// and whether it is met. A peer that was not measured says why in its column.
import type { OperatorName } from "../operators/operator.js";
import { copiesCell, get, latencyCell, mark, mib, ms, num, pct, s, type Obj } from "./cells.js";
import type { RunRecord } from "./run-record.js";

const peers: OperatorName[] = ["replicator", "config-syncer"];

interface Row {
  label: string;
  /** The Ferry cell of a row only Ferry runs (the peers' cells say so). */
  ferryOnly?: string;
  cell: (results: Obj | undefined, memory: Obj | undefined) => string;
  raw?: string;
  target: string;
  met?: boolean;
}

function bestPeer(run: RunRecord, value: (r: Obj | undefined, m: Obj | undefined) => number | undefined): number | undefined {
  const values = peers.map((p) => value(run.operators[p]?.sideBySide as Obj | undefined, run.operators[p]?.memory as Obj | undefined)).filter((v): v is number => v !== undefined);
  return values.length ? Math.min(...values) : undefined;
}

export function sideBySideTable(run: RunRecord): string[] {
  const ferry = run.operators.ferry?.sideBySide as Obj | undefined;
  const ferryMemory = run.operators.ferry?.memory as Obj | undefined;
  const o = run.options;
  const scale20k = ((get(run.scaling, "points") as Obj[] | undefined) ?? []).filter((p) => num(p, "rules") === 1).sort((a, b) => (num(b, "namespaces") ?? 0) - (num(a, "namespaces") ?? 0))[0];
  const rawCell = (key: string) => {
    const raw = get(ferry, key, "raw");
    return raw ? `${s(num(raw, "seconds"))} (${num(raw, "writesPerSecond")} writes/s)` : "";
  };
  const ratioOk = (key: string) => (num(ferry, key, "ratio") === undefined ? undefined : num(ferry, key, "ratio")! <= 1.1 && get(ferry, key, "complete") !== false);
  const p50Best = bestPeer(run, (r) => num(r, "newNamespace", "p50Seconds"));
  const cpuBest = bestPeer(run, (r) => num(r, "idle", "cpuPercentOfCore"));
  const idleCpu = num(ferry, "idle", "cpuPercentOfCore");
  const rss = num(ferryMemory, "rssMiB");
  const peak = num(ferryMemory, "peakRssMiB");
  const storm = get(ferry, "stormSelected");
  const rows: Row[] = [
    { label: `one new source -> ${o.namespaces} namespaces, all copies present`, cell: (r) => copiesCell(get(r, "fanout")), raw: rawCell("fanout"), target: "<= 1.1x raw", met: ratioOk("fanout") },
    { label: `same for ${o.wideNamespaces} namespaces`, cell: (r) => copiesCell(get(r, "fanoutWide")), raw: rawCell("fanoutWide"), target: "<= 1.1x raw", met: ratioOk("fanoutWide") },
    {
      label: `same for ${num(scale20k, "namespaces") ?? "20000"} namespaces (bench/suites/scaling.ts)`,
      cell: () => "–",
      ferryOnly: copiesCell(scale20k ? { ...(get(scale20k, "fanOut") as Obj), copies: num(scale20k, "namespaces"), present: num(scale20k, "namespaces") } : undefined),
      raw: scale20k ? s(num(scale20k, "fanOut", "rawSeconds")) : "",
      target: "<= 1.1x raw",
      met: num(scale20k, "fanOut", "ratio") === undefined ? undefined : num(scale20k, "fanOut", "ratio")! <= 1.1,
    },
    { label: `source update -> ${o.namespaces} copies updated`, cell: (r) => copiesCell(get(r, "update")), raw: rawCell("update"), target: "<= 1.1x raw", met: ratioOk("update") },
    {
      label: `new namespace with ${o.rules} rules selecting it: all copies present (${o.newNamespaces} namespaces, one by one)`,
      cell: (r) => latencyCell(get(r, "newNamespace")),
      target: "p99 < 100 ms; p50 below the best peer's",
      met: num(ferry, "newNamespace", "p99Seconds") === undefined ? undefined : num(ferry, "newNamespace", "p99Seconds")! < 0.1 && (p50Best === undefined || num(ferry, "newNamespace", "p50Seconds")! < p50Best),
    },
    {
      label: `same while ${o.stormRate} namespaces/s that no rule selects are created for ${o.stormSeconds} s (one selected namespace per second)`,
      cell: (r) => latencyCell(get(r, "stormChurn")),
      target: "p99 < 100 ms",
      met: num(ferry, "stormChurn", "p99Seconds") === undefined ? undefined : num(ferry, "stormChurn", "p99Seconds")! < 0.1,
    },
    {
      label: `${o.stormRate} namespaces/s for ${o.stormSeconds} s, each selected by all ${o.rules} rules (${o.stormRate * o.rules} copies/s demanded)`,
      cell: (r) => stormCell(get(r, "stormSelected")),
      raw: num(ferry, "fanout", "raw", "writesPerSecond") ? `${num(ferry, "fanout", "raw", "writesPerSecond")} writes/s` : "",
      target: "p99 < 100 ms, no backlog growth",
      met: storm ? num(storm, "p99Seconds")! < 0.1 && (num(storm, "lastFifthP99Seconds") ?? 0) <= Math.max(0.1, 1.5 * (num(storm, "firstFifthP99Seconds") ?? 0)) : undefined,
    },
    {
      label: `idle ${o.idleSeconds} s, everything in sync (${num(ferry, "idle", "copies") ?? "?"} copies; ${num(ferry, "idle", "conflicts") ?? "?"} targets, ${((num(ferry, "idle", "conflictShare") ?? 0) * 100).toFixed(1)}%, held by unmanaged objects): writes (Events)`,
      cell: (r) => (get(r, "idle") ? `${num(r, "idle", "writes")} (${num(r, "idle", "events")} Events)` : "–"),
      target: "0 writes of any kind",
      met: get(ferry, "idle") ? num(ferry, "idle", "writes") === 0 : undefined,
    },
    {
      label: "CPU of the operator's process in that window",
      cell: (r) => pct(num(r, "idle", "cpuPercentOfCore")),
      target: "< 0.1% of a core, no more than the best peer",
      met: idleCpu === undefined ? undefined : idleCpu < 0.1 && (cpuBest === undefined || idleCpu <= cpuBest),
    },
    {
      label: `restart while in sync (${num(ferry, "restart", "copies") ?? "?"} copies): ready after spawn; writes`,
      cell: (r) => (get(r, "restart") ? `${s(num(r, "restart", "secondsToReady"))}; ${num(r, "restart", "writes")} writes` : "–"),
      target: "< 2 s, 0 writes",
      met: get(ferry, "restart") ? num(ferry, "restart", "secondsToReady")! < 2 && num(ferry, "restart", "writes") === 0 : undefined,
    },
    {
      label: `restart on a small cluster (${o.smallNamespaces} namespaces, 1 rule)`,
      cell: (r) => (get(r, "smallCluster") ? `${s(num(r, "smallCluster", "restart", "secondsToReady"))}; ${num(r, "smallCluster", "restart", "writes")} writes (first start ${s(num(r, "smallCluster", "firstStartSecondsToReady"))})` : "–"),
      target: "< 0.5 s, 0 writes",
      met: get(ferry, "smallCluster") ? num(ferry, "smallCluster", "restart", "secondsToReady")! < 0.5 && num(ferry, "smallCluster", "restart", "writes") === 0 : undefined,
    },
    {
      label: `RSS with ${o.memoryNamespaces} namespaces + ${o.memorySecrets} unrelated Secrets of ${o.memoryBytes / 1024} KiB, after settling (peak while listing)`,
      cell: (_r, m) => (m ? (get(m, "error") ? `failed: ${get(m, "error")}` : `${mib(num(m, "rssMiB"))} (peak ${mib(num(m, "peakRssMiB"))}${num(m, "heapUsedMiB") !== undefined ? `, heap ${mib(num(m, "heapUsedMiB"))}` : ""}; ready ${s(num(m, "secondsToReady"))})`) : "–"),
      target: "< 100 MiB; peak < 1.3x",
      met: rss === undefined || peak === undefined ? undefined : rss < 100 && peak < 1.3 * rss,
    },
  ];
  const peerCell = (name: OperatorName, row: Row) => {
    const record = run.operators[name];
    if (row.ferryOnly !== undefined) return "not run (Ferry only)";
    if (!record) return "not asked for";
    if (record.skipped) return `skipped: ${record.skipped}`;
    if (get(record.sideBySide, "error") && !record.memory) return "failed (see JSON)";
    return row.cell(record.sideBySide as Obj | undefined, record.memory as Obj | undefined);
  };
  const ferryCell = (row: Row) => row.ferryOnly ?? row.cell(ferry, ferryMemory);
  return [
    `| scenario | Ferry | raw limit | kubernetes-replicator | config-syncer | Ferry's target | |`,
    "|---|---|---|---|---|---|---|",
    ...rows.map((row) => `| ${row.label} | ${ferryCell(row)} | ${row.raw ?? ""} | ${peerCell("replicator", row)} | ${peerCell("config-syncer", row)} | ${row.target} | ${mark(row.met)} |`),
  ];
}

function stormCell(result: unknown): string {
  if (!result) return "–";
  const backlog = (get(result, "backlog") as number[] | undefined) ?? [];
  const drain = num(result, "drainSeconds");
  return (
    `${latencyCell(result)}; p99 first/last fifth ${ms(num(result, "firstFifthP99Seconds"))}/${ms(num(result, "lastFifthP99Seconds"))}; ` +
    `copies missing at the end ${backlog.at(-1) ?? "–"} (max ${backlog.length ? Math.max(...backlog) : "–"}), ` +
    (drain !== undefined ? `drained ${s(drain)} after` : `${num(result, "missingAfterDrainWait")} still missing after the drain wait`)
  );
}
