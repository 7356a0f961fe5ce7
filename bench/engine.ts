// `npm run bench -- [options]`: every scenario of issue 9 on a dedicated real control plane, each
// next to the raw write limit of the same client (same connection pool, same concurrency) measured
// in the same run, right before the scenario, with Ferry running. Writes and reads are counted from
// kube-apiserver's own /metrics (apiserver_request_total by verb and resource).
//
// Full run (the sizes): `npm run bench`
// Quick run: `npm run bench -- --namespaces 200 --wide-namespaces 1000 --new-namespaces 20 \
//   --idle-seconds 20 --memory-namespaces 2000 --memory-secrets 5000`
import { Command } from "commander";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, release, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { startFerry, type RunningFerry } from "../src/cli/run.js";
import { LocalControlPlane } from "../src/controlplane/local-control-plane.js";
import { MANAGED_BY_LABEL, SOURCE_CLUSTER_LABEL, managedSelector } from "../src/core/marks.js";
import { KubeClient } from "../src/kube/client.js";
import { waitFor } from "../src/util/wait-for.js";
import { imageNodeFlags } from "./image-node-flags.js";
import { renderMarkdown, replicatorNote } from "./report.js";

const num = (v: string) => Number(v);
const options = new Command("bench")
  .option("--namespaces <n>", "namespaces of the fan-out, update, idle and restart scenarios", num, 1000)
  .option("--wide-namespaces <n>", "namespaces of the large fan-out (0 skips it)", num, 5000)
  .option("--rules <n>", "rules selecting every namespace in the new-namespace and idle scenarios", num, 20)
  .option("--new-namespaces <n>", "namespaces created one by one for the new-namespace latency", num, 100)
  .option("--idle-seconds <s>", "length of the idle window", num, 600)
  .option("--idle-conflict-share <fraction>", "share of the targets in conflict (unmanaged objects) during the idle window", num, 0.1)
  .option("--memory-namespaces <n>", "namespaces in the cluster for the memory scenario (0 skips it)", num, 10000)
  .option("--memory-secrets <n>", "unrelated Secrets for the memory scenario", num, 100000)
  .option("--memory-sizes <list>", "data sizes (bytes) of the unrelated Secrets, one Ferry process each", "10240,1024")
  .option("--concurrency <n>", "parallel writes (Ferry and the raw baseline alike)", num, 32)
  .option("--out <dir>", "where to write results", "bench/results")
  .option("--name <prefix>", "result file prefix", "engine")
  .parse(process.argv)
  .opts<{
    namespaces: number;
    wideNamespaces: number;
    rules: number;
    newNamespaces: number;
    idleSeconds: number;
    idleConflictShare: number;
    memoryNamespaces: number;
    memorySecrets: number;
    memorySizes: string;
    concurrency: number;
    out: string;
    name: string;
  }>();

type Counts = { write: number; read: number; byVerb: Record<string, number> };
const writeVerbs = new Set(["POST", "PUT", "PATCH", "DELETE", "APPLY"]);
const readVerbs = new Set(["GET", "LIST", "WATCH"]);
const ferryResources = new Set(["secrets", "configmaps", "events", "distributions", "clusterdistributions", "serviceaccounts", "namespaces"]);

async function requestCounts(plane: LocalControlPlane): Promise<Counts> {
  const counts: Counts = { write: 0, read: 0, byVerb: {} };
  for (const line of (await plane.apiserverMetrics()).split("\n")) {
    if (!line.startsWith("apiserver_request_total{")) continue;
    const verb = /verb="([A-Z]+)"/.exec(line)?.[1] ?? "";
    const resource = /resource="([^"]*)"/.exec(line)?.[1] ?? "";
    if (!ferryResources.has(resource)) continue;
    const value = Number(line.split(" ").pop());
    if (writeVerbs.has(verb)) counts.write += value;
    else if (readVerbs.has(verb)) counts.read += value;
    const key = `${verb} ${resource}`;
    counts.byVerb[key] = (counts.byVerb[key] ?? 0) + value;
  }
  return counts;
}

function delta(after: Counts, before: Counts): { writes: number; reads: number; byVerb: Record<string, number> } {
  const byVerb: Record<string, number> = {};
  for (const [key, value] of Object.entries(after.byVerb)) {
    const d = value - (before.byVerb[key] ?? 0);
    if (d !== 0) byVerb[key] = d;
  }
  return { writes: after.write - before.write, reads: after.read - before.read, byVerb };
}

async function parallel<T>(items: T[], concurrency: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

const seconds = (ms: number) => Math.round(ms) / 1000;
const names = (prefix: string, from: number, to: number) => Array.from({ length: to - from }, (_, i) => `${prefix}-${String(from + i).padStart(5, "0")}`);
const b64 = (text: string) => Buffer.from(text).toString("base64");
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
function procStatus(pid: number): { rssMiB: number; hwmMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rssMiB: +(kib("VmRSS") / 1024).toFixed(1), hwmMiB: +(kib("VmHWM") / 1024).toFixed(1) };
}
function procCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime in clock ticks (100 Hz)
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU seconds used so far by this process (Ferry and the benchmark's client), kube-apiserver and etcd. */
function cpuTimes(plane: LocalControlPlane): { benchProcess: number; apiserver: number; etcd: number } {
  const own = process.cpuUsage();
  const of = (pid: number | undefined) => (pid ? procCpuSeconds(pid) : 0);
  return { benchProcess: (own.user + own.system) / 1e6, apiserver: of(plane.pid("apiserver")), etcd: of(plane.pid("etcd")) };
}
function cpuDelta(after: ReturnType<typeof cpuTimes>, before: ReturnType<typeof cpuTimes>): ReturnType<typeof cpuTimes> {
  return {
    benchProcess: +(after.benchProcess - before.benchProcess).toFixed(2),
    apiserver: +(after.apiserver - before.apiserver).toFixed(2),
    etcd: +(after.etcd - before.etcd).toFixed(2),
  };
}

/**
 * Watches Ferry's copies (by label) from now on, independently of Ferry: when each one appeared or
 * changed, as the apiserver tells any client. This is what "all copies present" is measured by.
 */
async function watchCopies(client: KubeClient, labelSelector: string, onEvent: (type: string, namespace: string, at: number) => void): Promise<{ stop(): Promise<void> }> {
  const list = await client.get<{ metadata: { resourceVersion: string } }>("/api/v1/secrets", { query: { limit: 1 } });
  const abort = new AbortController();
  let opened!: () => void;
  const open = new Promise<void>((resolve) => (opened = resolve));
  const watch = client
    .stream(
      "/api/v1/secrets",
      { query: { watch: true, labelSelector, resourceVersion: list.metadata.resourceVersion, allowWatchBookmarks: false }, signal: abort.signal, timeoutMs: 3_600_000 },
      (event) => {
        const e = event as { type: string; object: { metadata: { namespace?: string } } };
        onEvent(e.type, e.object.metadata.namespace ?? "", Date.now());
      },
      () => opened(),
    )
    .catch(() => undefined);
  await Promise.race([open, sleep(2000)]);
  return {
    async stop() {
      abort.abort();
      await watch;
    },
  };
}

async function main(): Promise<void> {
  const n = options.namespaces;
  const c = options.concurrency;
  const started0 = Date.now();
  const plane = await LocalControlPlane.up({ dir: mkdtempSync(join(tmpdir(), "ferry-bench-")) });
  const client = await KubeClient.fromFile(plane.kubeconfigPath, { qps: 0, maxSockets: c });
  const logPath = join(plane.dir, "ferry.log");
  const logger = pino({ level: "warn" }, pino.destination({ dest: logPath, sync: false }));
  const results: Record<string, Record<string, unknown>> = {};
  let ferry: RunningFerry | undefined;
  let child: ChildProcess | undefined;
  const log = (message: string) => console.error(`[bench +${seconds(Date.now() - started0)} s] ${message}`);
  const createNamespaces = (list: string[]) => parallel(list, c, (name) => client.request("POST", "/api/v1/namespaces", { body: { metadata: { name } } }));
  const settleControllerManager = (count: number) =>
    waitFor(
      async () => {
        const list = await client.get<{ items: unknown[] }>("/api/v1/configmaps", { query: { fieldSelector: "metadata.name=kube-root-ca.crt" } });
        return list.items.length >= count;
      },
      { timeoutMs: 900_000, intervalMs: 500, description: "controller manager to settle" },
    );
  // The raw writes run under the same kind of observing watch as Ferry's copies do (a label-selected
  // watch of what is written), so the apiserver does the same fan-out work in both.
  const RAW_LABEL = "bench.ferry.dev/raw";
  let lastRawCpu = cpuTimes(plane);
  const rawWrites = async (list: string[], name: string, method: "POST" | "PUT", value: string) => {
    const observer = await watchCopies(client, `${RAW_LABEL}=${name}`, () => undefined);
    const cpu0 = cpuTimes(plane);
    const t = Date.now();
    await parallel(list, c, (ns) =>
      client.request(method, method === "POST" ? `/api/v1/namespaces/${ns}/secrets` : `/api/v1/namespaces/${ns}/secrets/${name}`, {
        body: { metadata: { name, labels: { [RAW_LABEL]: name } }, data: { token: b64(value.repeat(256)) } },
      }),
    );
    const ms = Date.now() - t;
    lastRawCpu = cpuDelta(cpuTimes(plane), cpu0);
    await observer.stop();
    return ms;
  };
  const rawCreate = (list: string[], name: string) => rawWrites(list, name, "POST", "x");
  const rawUpdate = (list: string[], name: string) => rawWrites(list, name, "PUT", "y");
  try {
    const bench = names("bench", 0, n);
    const wide = names("wide", 0, options.wideNamespaces);
    log(`creating ${bench.length + wide.length + 1} namespaces`);
    await createNamespaces([...bench, ...wide, "bench-source", "wide-source"]);
    // Let the controller manager finish its own per-namespace writes (ServiceAccount, root CA ConfigMap) first.
    await settleControllerManager(bench.length + wide.length + 2);

    ferry = await startFerry({ client, logger, namespace: "ferry-system", policy: "guarded", clusterName: "local", installCrds: true, concurrency: c });
    await waitFor(() => ferry!.engine.isReady(), { timeoutMs: 120_000, description: "Ferry ready" });
    const engine = () => ferry!.engine;
    const report = (source: string) => engine().reports().reports.find((r) => r.rule.source.name === source);
    const synced = (source: string, count: number) => {
      const r = report(source);
      return r !== undefined && r.desired === count && r.synced === count;
    };
    const allSynced = (sources: string[], count: number) => sources.every((s) => synced(s, count));

    /**
     * Times one source write until a separate watch has seen `count` copies ADDED or MODIFIED (and
     * until Ferry's status says so), next to the raw limit measured just before, with the apiserver's
     * request counts and the CPU of every process during the write phase.
     */
    const measureCopies = async (source: string, event: "ADDED" | "MODIFIED", count: number, rawMs: number, write: () => Promise<unknown>) => {
      const rawCpu = lastRawCpu;
      const seen: number[] = [];
      const observer = await watchCopies(client, `${managedSelector("local")},ferry.dev/source-name=${source}`, (type, _ns, at) => {
        if (type === event) seen.push(at);
      });
      const before = await requestCounts(plane);
      const cpu0 = cpuTimes(plane);
      const t = Date.now();
      await write();
      await waitFor(() => seen.length >= count, { timeoutMs: 1_800_000, intervalMs: 5, description: `${count} copies ${event}` });
      const doneMs = seen[count - 1]! - t;
      const cpu = cpuDelta(cpuTimes(plane), cpu0);
      await waitFor(() => synced(source, count), { timeoutMs: 1_800_000, intervalMs: 5, description: "copies reported synced" });
      const reportedMs = Date.now() - t;
      await engine().idle();
      await observer.stop();
      return {
        seconds: seconds(doneMs),
        rawSeconds: seconds(rawMs),
        ratio: +(doneMs / rawMs).toFixed(2),
        firstCopySeconds: seconds(seen[0]! - t),
        reportedSeconds: seconds(reportedMs),
        cpuSeconds: { ferry: cpu, raw: rawCpu },
        ...delta(await requestCounts(plane), before),
      };
    };

    // One new source -> N namespaces (and the large fan-out), each after its raw limit.
    const fanout = async (key: string, list: string[], sourceNamespace: string, source: string, glob: string) => {
      log(`raw create x${list.length}`);
      const raw = await rawCreate(list, `raw-${source}`);
      await sleep(2000); // let Ferry's metadata watch digest the raw writes
      log(`fan-out x${list.length}`);
      const measured = await measureCopies(source, "ADDED", list.length, raw, () =>
        client.request("POST", `/api/v1/namespaces/${sourceNamespace}/secrets`, {
          body: { metadata: { name: source, annotations: { "ferry.dev/sync-to": glob } }, data: { token: b64("x".repeat(256)) } },
        }),
      );
      results[key] = { namespaces: list.length, ...measured };
    };
    await fanout("fanout", bench, "bench-source", "rule-00", "bench-*");

    // Source update -> N copies updated.
    log(`raw update x${n}`);
    const rawUp = await rawUpdate(bench, "raw-rule-00");
    await sleep(2000);
    log(`update x${n}`);
    const updated = await measureCopies("rule-00", "MODIFIED", n, rawUp, () =>
      client.request("PATCH", "/api/v1/namespaces/bench-source/secrets/rule-00", {
        body: { data: { token: b64("z".repeat(256)) } },
        contentType: "application/merge-patch+json",
      }),
    );
    results.update = { copies: n, ...updated };
    let before: Counts;
    let t: number;

    if (wide.length > 0) await fanout("fanoutWide", wide, "wide-source", "wide", "wide-*");

    // The other rules selecting every bench namespace.
    const rules = Array.from({ length: options.rules }, (_, i) => `rule-${String(i).padStart(2, "0")}`);
    log(`${rules.length - 1} more rules x${n}`);
    t = Date.now();
    await parallel(rules.slice(1), c, (name) =>
      client.request("POST", "/api/v1/namespaces/bench-source/secrets", {
        body: { metadata: { name, annotations: { "ferry.dev/sync-to": "bench-*" } }, data: { token: b64(name.repeat(32)) } },
      }),
    );
    await waitFor(() => allSynced(rules, n), { timeoutMs: 1_800_000, intervalMs: 50, description: "rules in sync" });
    await engine().idle();
    results.rulesSetup = { rules: rules.length, namespaces: n, copies: rules.length * n, seconds: seconds(Date.now() - t) };

    // New namespace with R rules selecting it: namespace create -> all R copies seen by a watch.
    log(`new namespaces x${options.newNamespaces}`);
    const seen = new Map<string, number>();
    const done = new Map<string, number>();
    const newCopies = await watchCopies(client, managedSelector("local"), (type, ns, at) => {
      if (type !== "ADDED" || !ns.startsWith("bench-new-")) return;
      const count = (seen.get(ns) ?? 0) + 1;
      seen.set(ns, count);
      if (count === rules.length) done.set(ns, at);
    });
    await sleep(500);
    before = await requestCounts(plane);
    const latencies: number[] = [];
    for (const ns of names("bench-new", 0, options.newNamespaces)) {
      const created = Date.now();
      await client.request("POST", "/api/v1/namespaces", { body: { metadata: { name: ns } } });
      await waitFor(() => done.has(ns), { timeoutMs: 60_000, intervalMs: 1, description: `copies in ${ns}` });
      latencies.push(done.get(ns)! - created);
      await sleep(100);
    }
    await newCopies.stop();
    await engine().idle();
    results.newNamespace = {
      namespaces: options.newNamespaces,
      rules: rules.length,
      p50Seconds: seconds(percentile(latencies, 50)),
      p99Seconds: seconds(percentile(latencies, 99)),
      maxSeconds: seconds(Math.max(...latencies)),
      ...delta(await requestCounts(plane), before),
    };
    await waitFor(() => allSynced(rules, n + options.newNamespaces), { timeoutMs: 600_000, intervalMs: 50, description: "rules in sync with new namespaces" });

    // Idle window with everything in sync but a share of the targets in conflict: their copies
    // lose Ferry's managed-by and source-cluster labels, so they are unmanaged objects that Ferry
    // reports (status, one Event per rule) and leaves alone. Conflicts must cost no writes
    // either, Events included.
    const idleTargets = (n + options.newNamespaces) * rules.length + wide.length;
    const conflictNamespaces = bench.slice(0, Math.min(bench.length, Math.round((options.idleConflictShare * idleTargets) / rules.length)));
    const conflictTargets = conflictNamespaces.flatMap((ns) => rules.map((name) => `/api/v1/namespaces/${ns}/secrets/${name}`));
    log(`idle: ${conflictTargets.length} of ${idleTargets} targets in conflict`);
    await parallel(conflictTargets, c, (path) =>
      client.request("PATCH", path, { body: { metadata: { labels: { [MANAGED_BY_LABEL]: null, [SOURCE_CLUSTER_LABEL]: null } } }, contentType: "application/merge-patch+json" }),
    );
    engine().trigger();
    const conflicts = () => engine().reports().reports.reduce((sum, r) => sum + r.conflicts, 0);
    await waitFor(() => conflicts() === conflictTargets.length, { timeoutMs: 600_000, intervalMs: 100, description: "conflicts reported" });
    const conflictEvents = async () =>
      (await client.get<{ items: unknown[] }>("/api/v1/namespaces/bench-source/events", { query: { fieldSelector: "reason=UnmanagedObjectExists" } })).items.length;
    if (conflictTargets.length > 0) await waitFor(async () => (await conflictEvents()) >= rules.length, { timeoutMs: 600_000, intervalMs: 500, description: "an Event per rule" });
    await engine().idle();
    log(`idle ${options.idleSeconds} s`);
    await sleep(5000);
    before = await requestCounts(plane);
    // Ferry's own view of the window: plan passes and time spent in garbage collection.
    const ferryCounters = async () => {
      const text = await ferry!.metrics.registry.metrics();
      const sum = (pattern: RegExp) => text.split("\n").filter((line) => pattern.test(line)).reduce((total, line) => total + Number(line.split(" ").pop()), 0);
      return { planPasses: sum(/^ferry_reconcile_total\{/), gcSeconds: sum(/^nodejs_gc_duration_seconds_sum\{/) };
    };
    const countersBefore = await ferryCounters();
    const cpuBefore = process.cpuUsage();
    const idleStart = Date.now();
    // Halfway, a relist of the namespaces and the full plan pass after it, as the 15-minute relist does.
    await sleep((options.idleSeconds * 1000) / 2);
    engine().namespaces.requestRelist();
    await sleep((options.idleSeconds * 1000) / 2);
    const cpu = process.cpuUsage(cpuBefore);
    const idleMs = Date.now() - idleStart;
    const countersAfter = await ferryCounters();
    const idleRequests = delta(await requestCounts(plane), before);
    results.idle = {
      seconds: options.idleSeconds,
      namespaces: n + options.newNamespaces,
      rules: rules.length,
      copies: idleTargets,
      conflictTargets: conflictTargets.length,
      conflictShare: +(conflictTargets.length / idleTargets).toFixed(3),
      cpuPercentOfCore: +(((cpu.user + cpu.system) / 1000 / idleMs) * 100).toFixed(3),
      planPasses: countersAfter.planPasses - countersBefore.planPasses,
      gcSeconds: +(countersAfter.gcSeconds - countersBefore.gcSeconds).toFixed(3),
      eventWrites: Object.entries(idleRequests.byVerb)
        .filter(([key]) => key.endsWith(" events") && writeVerbs.has(key.split(" ")[0]!))
        .reduce((sum, [, value]) => sum + value, 0),
      ...idleRequests,
    };
    // The conflicts end: the unmanaged objects go, and Ferry writes its copies again.
    await parallel(conflictTargets, c, (path) => client.request("DELETE", path));
    await waitFor(() => allSynced(rules, n + options.newNamespaces), { timeoutMs: 600_000, intervalMs: 50, description: "in sync after the conflicts" });
    await engine().idle();

    // Restart while in sync.
    log("restart");
    await ferry.stop();
    before = await requestCounts(plane);
    t = Date.now();
    ferry = await startFerry({ client, logger, namespace: "ferry-system", policy: "guarded", clusterName: "local", installCrds: true, concurrency: c });
    await waitFor(() => ferry!.engine.isReady(), { timeoutMs: 120_000, intervalMs: 5, description: "Ferry ready after restart" });
    const ready = Date.now() - t;
    await waitFor(() => allSynced(rules, n + options.newNamespaces), { timeoutMs: 120_000, description: "in sync after restart" });
    await engine().idle();
    await sleep(2000);
    results.restart = { secondsToReady: seconds(ready), ...delta(await requestCounts(plane), before) };
    if (options.memoryNamespaces > 0) {
      // The memory scenario is about unrelated Secrets only: remove the rules (their sources), and
      // let Ferry prune every copy, before the namespaces and Secrets are added.
      log("removing the rules and their copies");
      await parallel([...rules, ...(wide.length > 0 ? ["wide"] : [])], c, (name) =>
        client.request("DELETE", `/api/v1/namespaces/${name === "wide" ? "wide-source" : "bench-source"}/secrets/${name}`),
      );
      await waitFor(
        async () => (await client.get<{ items: unknown[] }>("/api/v1/secrets", { query: { labelSelector: managedSelector("local"), limit: 1 } })).items.length === 0,
        { timeoutMs: 900_000, intervalMs: 1000, description: "copies pruned" },
      );
    }
    await ferry.stop();
    ferry = undefined;

    // Memory of a separate Ferry process with many unrelated Secrets.
    if (options.memoryNamespaces > 0) {
      const existing = (await client.get<{ items: unknown[] }>("/api/v1/namespaces")).items.length;
      const extra = names("mem", 0, Math.max(0, options.memoryNamespaces - existing));
      log(`memory: ${extra.length} more namespaces, ${options.memorySecrets} Secrets`);
      await createNamespaces(extra);
      await settleControllerManager(options.memoryNamespaces);
      const all = (await client.get<{ items: Array<{ metadata: { name: string } }> }>("/api/v1/namespaces")).items
        .map((o) => o.metadata.name)
        .filter((name) => /^(bench|wide|mem)-/.test(name));
      const secrets = Array.from({ length: options.memorySecrets }, (_, i) => ({ ns: all[i % all.length]!, name: `unrelated-${i}` }));
      const memory: Array<Record<string, unknown>> = [];
      const sizes = options.memorySizes.split(",").map(Number);
      for (const [index, size] of sizes.entries()) {
        const value = randomBytes(Math.ceil((size * 3) / 4)).toString("base64").slice(0, size); // `size` bytes of data
        t = Date.now();
        await parallel(secrets, c, ({ ns, name }) =>
          index === 0
            ? client.request("POST", `/api/v1/namespaces/${ns}/secrets`, { body: { metadata: { name }, data: { blob: b64(value) } } })
            : client.request("PUT", `/api/v1/namespaces/${ns}/secrets/${name}`, { body: { metadata: { name }, data: { blob: b64(value) } } }),
        );
        log(`memory: ${secrets.length} Secrets of ${size} B written in ${seconds(Date.now() - t)} s; starting a Ferry process`);
        const port = 18000 + index;
        const out = openSync(join(plane.dir, `ferry-process-${size}.log`), "w");
        before = await requestCounts(plane);
        t = Date.now();
        // The process as the image runs it: compiled JavaScript (`npm run bench` builds dist/ first)
        // with the ENTRYPOINT's node flags; tsx would add its compiler and source maps to the RSS.
        child = spawn(process.execPath, [...imageNodeFlags(), "dist/src/cli/main.js", "run", "--kubeconfig", plane.kubeconfigPath, "--health-port", String(port), "--log-format", "json", "--log-level", "warn", "--no-registry"], {
          stdio: ["ignore", out, out],
        });
        const pid = child.pid!;
        await waitFor(
          async () => {
            const response = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
            return response?.status === 200;
          },
          { timeoutMs: 600_000, intervalMs: 100, description: "Ferry process ready" },
        );
        const readySeconds = seconds(Date.now() - t);
        await sleep(30_000); // settle: GC after the initial lists
        const cpu0 = procCpuSeconds(pid);
        await sleep(30_000);
        const cpu1 = procCpuSeconds(pid);
        const proc = procStatus(pid);
        const metricsText = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        const promRss = Number(/^process_resident_memory_bytes (\S+)/m.exec(metricsText)?.[1] ?? NaN);
        const heap = Number(/^nodejs_heap_size_used_bytes (\S+)/m.exec(metricsText)?.[1] ?? NaN);
        memory.push({
          secretBytes: size,
          secrets: secrets.length,
          namespaces: options.memoryNamespaces,
          rssMiB: proc.rssMiB,
          peakRssMiB: proc.hwmMiB,
          metricsRssMiB: +(promRss / 2 ** 20).toFixed(1),
          heapUsedMiB: Number.isNaN(heap) ? undefined : +(heap / 2 ** 20).toFixed(1),
          secondsToReady: readySeconds,
          idleCpuPercentOfCore: +(((cpu1 - cpu0) / 30) * 100).toFixed(2),
          ...delta(await requestCounts(plane), before),
        });
        child.kill("SIGTERM");
        await waitFor(() => child!.exitCode !== null || child!.signalCode !== null, { timeoutMs: 20_000, description: "Ferry process exit" }).catch(() => child!.kill("SIGKILL"));
        child = undefined;
      }
      const base = memory[0]!.rssMiB as number;
      for (const m of memory) m.vsFirst = +((m.rssMiB as number) / base).toFixed(3);
      results.memory = { runs: memory as unknown as Record<string, unknown> } as Record<string, unknown>;
    }
  } finally {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    await ferry?.stop();
    client.close();
    await plane.down();
  }
  const version = (await import("../package.json", { with: { type: "json" } })).default.version;
  const run = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), kernel: release(), node: process.version },
    versions: { ferry: version, kubernetes: "v1.37.2", etcd: "v3.7.0" },
    options,
    memoryProcess: ["node", ...imageNodeFlags(), "dist/src/cli/main.js", "run", "--no-registry"].join(" "),
    results,
    kubernetesReplicator: replicatorNote,
  };
  mkdirSync(options.out, { recursive: true });
  const stamp = run.date.replace(/[:.]/g, "-");
  writeFileSync(join(options.out, `${options.name}-${stamp}.json`), JSON.stringify(run, null, 2));
  const table = renderMarkdown(run);
  writeFileSync(join(options.out, `${options.name}-${stamp}.md`), table);
  console.log(table);
}

await main();
