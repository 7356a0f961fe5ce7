// `npm run bench -- [--namespaces N] [--idle-seconds S]`: Ferry's fan-out, update, idle and restart
// costs on a dedicated real control plane, each next to the raw write limit of the same client
// (same connection pool, same concurrency) measured in the same run. Writes and reads are
// counted from kube-apiserver's own /metrics (apiserver_request_total by verb and resource).
import { Command } from "commander";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { startFerry, type RunningFerry } from "../src/cli/run.js";
import { LocalControlPlane } from "../src/controlplane/local-control-plane.js";
import { KubeClient } from "../src/kube/client.js";
import { waitFor } from "../src/util/wait-for.js";

const options = new Command("bench")
  .option("--namespaces <n>", "namespaces to fan out to", (v) => Number(v), 1000)
  .option("--idle-seconds <s>", "length of the idle window", (v) => Number(v), 300)
  .option("--concurrency <n>", "parallel writes (Ferry and the raw baseline alike)", (v) => Number(v), 32)
  .option("--out <dir>", "where to write results", "bench/results")
  .parse(process.argv)
  .opts<{ namespaces: number; idleSeconds: number; concurrency: number; out: string }>();

type Counts = Map<string, number>;
const writeVerbs = new Set(["POST", "PUT", "PATCH", "DELETE", "APPLY"]);
const readVerbs = new Set(["GET", "LIST", "WATCH"]);
const ferryResources = new Set(["secrets", "configmaps", "events", "distributions", "clusterdistributions", "serviceaccounts", "namespaces"]);

async function requestCounts(plane: LocalControlPlane): Promise<Counts> {
  const counts: Counts = new Map();
  for (const line of (await plane.apiserverMetrics()).split("\n")) {
    if (!line.startsWith("apiserver_request_total{")) continue;
    const verb = /verb="([A-Z]+)"/.exec(line)?.[1] ?? "";
    const resource = /resource="([^"]*)"/.exec(line)?.[1] ?? "";
    if (!ferryResources.has(resource)) continue;
    const key = `${writeVerbs.has(verb) ? "write" : readVerbs.has(verb) ? "read" : "other"}`;
    counts.set(key, (counts.get(key) ?? 0) + Number(line.split(" ").pop()));
  }
  return counts;
}

const diff = (after: Counts, before: Counts, key: string) => (after.get(key) ?? 0) - (before.get(key) ?? 0);

async function parallel<T>(items: T[], concurrency: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

const seconds = (ms: number) => Math.round(ms) / 1000;

async function main(): Promise<void> {
  const n = options.namespaces;
  const plane = await LocalControlPlane.up({ dir: mkdtempSync(join(tmpdir(), "ferry-bench-")) });
  const client = await KubeClient.fromFile(plane.kubeconfigPath, { qps: 0, maxSockets: options.concurrency });
  const logPath = join(plane.dir, "ferry.log");
  const logger = pino({ level: "warn" }, pino.destination({ dest: logPath, sync: false }));
  const results: Record<string, unknown> = {};
  let ferry: RunningFerry | undefined;
  try {
    const namespaces = Array.from({ length: n }, (_, i) => `bench-${String(i).padStart(5, "0")}`);
    await parallel(namespaces, options.concurrency, (name) => client.request("POST", "/api/v1/namespaces", { body: { metadata: { name } } }));
    await client.request("POST", "/api/v1/namespaces", { body: { metadata: { name: "bench-source" } } });
    // Let the controller manager finish its own per-namespace writes (ServiceAccount, root CA ConfigMap) first.
    await waitFor(
      async () => {
        const list = await client.get<{ items: unknown[] }>("/api/v1/configmaps", { query: { fieldSelector: "metadata.name=kube-root-ca.crt" } });
        return list.items.length >= n + 1;
      },
      { timeoutMs: 300_000, description: "controller manager to settle" },
    );
    const payload = { token: Buffer.from("x".repeat(256)).toString("base64") };

    // The limit: the same client creating, then updating, the same number of Secrets directly.
    let started = Date.now();
    await parallel(namespaces, options.concurrency, (ns) =>
      client.request("POST", `/api/v1/namespaces/${ns}/secrets`, { body: { metadata: { name: "raw" }, data: payload } }),
    );
    const rawCreate = Date.now() - started;
    started = Date.now();
    await parallel(namespaces, options.concurrency, (ns) =>
      client.request("PUT", `/api/v1/namespaces/${ns}/secrets/raw`, { body: { metadata: { name: "raw" }, data: { token: Buffer.from("y".repeat(256)).toString("base64") } } }),
    );
    const rawUpdate = Date.now() - started;

    ferry = await startFerry({ client, logger, namespace: "ferry-system", policy: "guarded", clusterName: "local", installCrds: true, concurrency: options.concurrency });
    await waitFor(() => ferry!.engine.isReady(), { timeoutMs: 120_000, description: "Ferry ready" });
    const engine = ferry.engine;
    const synced = () => {
      const report = engine.reports().reports.find((r) => r.rule.source.name === "fanout");
      return report !== undefined && report.desired === n && report.synced === n;
    };

    // One new source -> N namespaces.
    let before = await requestCounts(plane);
    started = Date.now();
    await client.request("POST", "/api/v1/namespaces/bench-source/secrets", {
      body: { metadata: { name: "fanout", annotations: { "ferry.dev/sync-to": "bench-*" } }, data: payload },
    });
    await waitFor(() => synced(), { timeoutMs: 600_000, intervalMs: 10, description: "fan-out" });
    await engine.idle();
    const fanout = Date.now() - started;
    let after = await requestCounts(plane);
    results.fanout = { namespaces: n, seconds: seconds(fanout), rawSeconds: seconds(rawCreate), ratio: +(fanout / rawCreate).toFixed(2), writes: diff(after, before, "write"), reads: diff(after, before, "read") };

    // Source update -> N copies updated.
    before = after;
    started = Date.now();
    await client.request("PATCH", "/api/v1/namespaces/bench-source/secrets/fanout", {
      body: { data: { token: Buffer.from("z".repeat(256)).toString("base64") } },
      contentType: "application/merge-patch+json",
    });
    await waitFor(() => engine.reports().reports.some((r) => r.rule.source.name === "fanout" && r.synced === 0), { timeoutMs: 60_000, intervalMs: 5, description: "update seen" }).catch(() => true);
    await waitFor(() => synced(), { timeoutMs: 600_000, intervalMs: 10, description: "update fan-out" });
    await engine.idle();
    const update = Date.now() - started;
    after = await requestCounts(plane);
    results.update = { copies: n, seconds: seconds(update), rawSeconds: seconds(rawUpdate), ratio: +(update / rawUpdate).toFixed(2), writes: diff(after, before, "write"), reads: diff(after, before, "read") };

    // Idle window.
    before = await requestCounts(plane);
    const cpuBefore = process.cpuUsage();
    const idleStart = Date.now();
    await waitFor(() => Date.now() - idleStart >= options.idleSeconds * 1000 || undefined, { timeoutMs: options.idleSeconds * 1000 + 5_000, intervalMs: 1000, description: "idle window" });
    const cpu = process.cpuUsage(cpuBefore);
    after = await requestCounts(plane);
    results.idle = {
      seconds: options.idleSeconds,
      writes: diff(after, before, "write"),
      reads: diff(after, before, "read"),
      cpuPercentOfCore: +(((cpu.user + cpu.system) / 1000 / (options.idleSeconds * 1000)) * 100).toFixed(3),
    };

    // Restart while in sync.
    await ferry.stop();
    before = await requestCounts(plane);
    started = Date.now();
    ferry = await startFerry({ client, logger, namespace: "ferry-system", policy: "guarded", clusterName: "local", installCrds: true, concurrency: options.concurrency });
    await waitFor(() => ferry!.engine.isReady(), { timeoutMs: 120_000, description: "Ferry ready after restart" });
    const ready = Date.now() - started;
    await waitFor(() => ferry!.engine.reports().reports.some((r) => r.rule.source.name === "fanout" && r.synced === n), { timeoutMs: 60_000, description: "in sync after restart" });
    await ferry.engine.idle();
    after = await requestCounts(plane);
    results.restart = { secondsToReady: seconds(ready), writes: diff(after, before, "write"), reads: diff(after, before, "read") };
  } finally {
    await ferry?.stop();
    client.close();
    await plane.down();
  }
  const version = (await import("../package.json", { with: { type: "json" } })).default.version;
  const run = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    versions: { ferry: version, kubernetes: "v1.37.2", etcd: "v3.7.0" },
    options,
    results,
  };
  mkdirSync(options.out, { recursive: true });
  const stamp = run.date.replace(/[:.]/g, "-");
  writeFileSync(join(options.out, `engine-${stamp}.json`), JSON.stringify(run, null, 2));
  const r = results as Record<string, Record<string, number>>;
  const table = [
    `# Ferry engine benchmark (${run.date})`,
    "",
    `${run.machine.cpus} cores, ${run.machine.memoryGiB} GiB, node ${run.machine.node}, Kubernetes v1.37.2 local control plane, concurrency ${options.concurrency}`,
    "",
    "| scenario | Ferry | raw limit | ratio | writes | reads |",
    "|---|---|---|---|---|---|",
    `| one new source -> ${n} namespaces | ${r.fanout!.seconds} s | ${r.fanout!.rawSeconds} s | ${r.fanout!.ratio}x | ${r.fanout!.writes} | ${r.fanout!.reads} |`,
    `| source update -> ${n} copies | ${r.update!.seconds} s | ${r.update!.rawSeconds} s | ${r.update!.ratio}x | ${r.update!.writes} | ${r.update!.reads} |`,
    `| idle ${options.idleSeconds} s, ${n} copies in sync | CPU ${r.idle!.cpuPercentOfCore}% of a core | | | ${r.idle!.writes} | ${r.idle!.reads} |`,
    `| restart while in sync | ready in ${r.restart!.secondsToReady} s | | | ${r.restart!.writes} | ${r.restart!.reads} |`,
    "",
  ].join("\n");
  writeFileSync(join(options.out, `engine-${stamp}.md`), table);
  console.log(table);
}

await main();
