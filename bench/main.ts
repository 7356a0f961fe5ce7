// `npm run bench [-- options]`: Ferry side by side with the real peers (kubernetes-replicator,
// config-syncer) and the apiserver's raw write limit, every scenario of issue 19, each operator
// on its own fresh control plane; then the memory scenario and Ferry's cost table. Writes
// bench/results/<name>-<date>.json and .md (one report, every column).
//
//   npm run bench                      the full sizes (hours: replicator writes 5 copies/s)
//   npm run bench -- --quick           every row and column at small sizes
//   npm run bench -- --operators ferry --parts main,memory   a subset
// A peer whose binary is absent (tools/peers/README.md) is skipped with the reason.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem } from "node:os";
import { join } from "node:path";
import { parseOptions } from "./options.js";
import { ferryOperator } from "./operators/ferry.js";
import type { Operator, OperatorName } from "./operators/operator.js";
import { configSyncerOperator, replicatorOperator } from "./operators/peers.js";
import { renderReport } from "./report/render.js";
import { profiles } from "./scenarios/profiled.js";
import type { RunRecord } from "./report/run-record.js";
import { memorySuite } from "./suites/memory.js";
import { scalingSuite } from "./suites/scaling.js";
import { sideBySide } from "./suites/side-by-side.js";

const options = parseOptions(process.argv);
const version = (await import("../package.json", { with: { type: "json" } })).default.version;
const started = Date.now();
const log = (message: string) => console.error(`[bench +${Math.round((Date.now() - started) / 1000)} s] ${message}`);

const all: Record<OperatorName, Operator> = {
  ferry: ferryOperator(version, options.ferryNodeFlags, options.profile),
  replicator: replicatorOperator(),
  "config-syncer": configSyncerOperator(),
};
const run: RunRecord = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), kernel: release(), node: process.version, loadAverageAtStart: loadavg() },
  versions: { ferry: version, kubernetes: "v1.37.2", etcd: "v3.7.0" },
  options,
  operators: {},
  notRunnable: [{ name: "Reflector (emberstack)", reason: "a .NET program; no .NET SDK is reachable from this machine, so it cannot be built here" }],
  seconds: 0,
};
const wanted: Operator[] = [];
for (const name of options.operators as OperatorName[]) {
  const operator = all[name];
  if (!operator) throw new Error(`unknown operator ${name} (ferry, replicator, config-syncer)`);
  const skipped = operator.unavailable();
  run.operators[name] = { title: operator.title, commandLine: operator.commandLine(), readiness: operator.readiness, skipped };
  if (skipped) log(`skipping ${name}: ${skipped}`);
  else wanted.push(operator);
}
const save = () => {
  if (Object.keys(profiles).length > 0) run.profiles = profiles;
  run.seconds = Math.round((Date.now() - started) / 1000);
  mkdirSync(options.out, { recursive: true });
  const stamp = run.date.replace(/[:.]/g, "-");
  writeFileSync(join(options.out, `${options.name}-${stamp}.json`), JSON.stringify(run, null, 2));
  writeFileSync(join(options.out, `${options.name}-${stamp}.md`), renderReport(run));
  return join(options.out, `${options.name}-${stamp}.md`);
};
if (options.parts.includes("main")) {
  for (const operator of wanted) {
    run.operators[operator.name]!.sideBySide = await sideBySide(operator, options, log);
    save();
  }
}
if (options.parts.includes("memory") && options.memoryNamespaces > 0) {
  const memory = await memorySuite(wanted, options, log);
  for (const [name, result] of Object.entries(memory)) run.operators[name as OperatorName]!.memory = result as unknown as Record<string, unknown>;
  save();
}
if (options.parts.includes("scaling") && wanted.some((o) => o.name === "ferry")) {
  run.scaling = await scalingSuite(all.ferry, options, log);
}
const path = save();
console.log(renderReport(run));
log(`report: ${path}`);
