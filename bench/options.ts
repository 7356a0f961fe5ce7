// The benchmark's flags. `npm run bench` runs the full sizes of issue 19; `--quick` is a reduced
// but complete set (every row and column, small sizes); any flag given overrides either.
import { Command, type OptionValues } from "commander";

export interface BenchOptions {
  operators: string[];
  parts: string[];
  /** Side-by-side scenarios to run (default all): small, fanout, update, fanoutWide, rules, newNamespace, idle, restart, storm. */
  scenarios: string[];
  namespaces: number;
  wideNamespaces: number;
  rules: number;
  newNamespaces: number;
  conflictShare: number;
  idleSeconds: number;
  smallNamespaces: number;
  stormRate: number;
  stormSeconds: number;
  memoryNamespaces: number;
  memorySecrets: number;
  memoryBytes: number;
  memorySettleSeconds: number;
  scalePoints: Array<{ namespaces: number; rules: number }>;
  scaleEvents: number;
  concurrency: number;
  /** Times the fan-out and update phases are measured while short (scenarios/fan-out.ts). */
  trials: number;
  ferryNodeFlags: string[];
  profile: boolean;
  waitCapSeconds: number;
  quick: boolean;
  keepPlanes: boolean;
  out: string;
  name: string;
}

const quickSizes: Record<string, string> = {
  namespaces: "200",
  wideNamespaces: "1000",
  rules: "5",
  newNamespaces: "20",
  idleSeconds: "30",
  smallNamespaces: "10",
  stormRate: "10",
  stormSeconds: "20",
  memoryNamespaces: "2000",
  memorySecrets: "20000",
  memorySettleSeconds: "15",
  scalePoints: "200x1,200x20,1000x5,2000x1",
  scaleEvents: "5",
};

export function parseOptions(argv: string[]): BenchOptions {
  const command = new Command("bench")
    .option("--operators <list>", "operators to measure, each on a fresh control plane", "ferry,replicator,config-syncer")
    .option("--parts <list>", "main (side by side), memory (10k namespaces + unrelated Secrets), scaling (Ferry: cost against namespaces x rules)", "main,memory,scaling")
    .option("--scenarios <list>", "side-by-side scenarios (for development): small,fanout,update,fanoutWide,rules,newNamespace,idle,restart,storm", "all")
    .option("--namespaces <n>", "namespaces of the fan-out, update, rules, new-namespace, idle and restart scenarios", "1000")
    .option("--wide-namespaces <n>", "namespaces of the large fan-out", "5000")
    .option("--rules <n>", "rules selecting every namespace of the rules, new-namespace, idle and restart scenarios", "20")
    .option("--new-namespaces <n>", "namespaces created one by one for the new-namespace latency", "100")
    .option("--conflict-share <f>", "share of the idle scenario's targets where an unmanaged object of the copy's name exists", "0.1")
    .option("--idle-seconds <s>", "length of the idle window", "600")
    .option("--small-namespaces <n>", "namespaces of the small cluster (restart to ready)", "10")
    .option("--storm-rate <n>", "namespaces created per second in the storm scenarios", "50")
    .option("--storm-seconds <s>", "length of each storm", "60")
    .option("--memory-namespaces <n>", "namespaces of the memory scenario (0 skips it)", "10000")
    .option("--memory-secrets <n>", "unrelated Secrets of the memory scenario", "100000")
    .option("--memory-bytes <n>", "data bytes of each unrelated Secret", "10240")
    .option("--memory-settle-seconds <s>", "settling time after ready before memory is read (then CPU over as long again)", "30")
    .option("--scale-points <list>", "Ferry's cost table: namespaces x rules points", "1000x1,1000x100,10000x20,20000x1")
    .option("--scale-events <n>", "namespace events and source events timed per scaling point", "20")
    .option("--trials <n>", "times the fan-out and update phases are measured (raw, then the operator) while a trial takes under 30 s; the median trial is reported", "3")
    .option("--concurrency <n>", "parallel writes of the raw baseline (Ferry's chart default is the same)", "32")
    .option("--ferry-node-flags <flags>", "extra node flags for the Ferry process, e.g. \"--cpu-prof --cpu-prof-dir=/tmp/prof\"", "")
    .option("--profile", "profile Ferry's process during each scenario (inspector on); summaries go into the report, profiles next to it", false)
    .option("--wait-cap-seconds <s>", "longest wait for one operator step (a slower operator is recorded as incomplete)", "10800")
    .option("--keep-planes", "keep each control plane's directory (logs of the apiserver and the operators) for debugging", false)
    .option("--quick", "reduced sizes, every row and column (flags given still win)", false)
    .option("--out <dir>", "where to write results", "bench/results")
    .option("--name <prefix>", "result file prefix", "bench")
    .allowExcessArguments(false)
    .parse(argv);
  const raw: OptionValues = command.opts();
  if (raw.quick) for (const [key, value] of Object.entries(quickSizes)) if (command.getOptionValueSource(key) === "default") raw[key] = value;
  const num = (key: string) => {
    const value = Number(raw[key]);
    if (!Number.isFinite(value) || value < 0) throw new Error(`--${key}: not a number: ${raw[key]}`);
    return value;
  };
  const list = (key: string) => String(raw[key]).split(",").map((s) => s.trim()).filter(Boolean);
  return {
    operators: list("operators"),
    parts: list("parts"),
    scenarios: list("scenarios"),
    namespaces: num("namespaces"),
    wideNamespaces: num("wideNamespaces"),
    rules: Math.max(1, num("rules")),
    newNamespaces: num("newNamespaces"),
    conflictShare: num("conflictShare"),
    idleSeconds: num("idleSeconds"),
    smallNamespaces: num("smallNamespaces"),
    stormRate: num("stormRate"),
    stormSeconds: num("stormSeconds"),
    memoryNamespaces: num("memoryNamespaces"),
    memorySecrets: num("memorySecrets"),
    memoryBytes: num("memoryBytes"),
    memorySettleSeconds: num("memorySettleSeconds"),
    scalePoints: list("scalePoints").map((point) => {
      const [namespaces, rules] = point.split("x").map(Number);
      if (!namespaces || !rules) throw new Error(`--scale-points: ${point} is not NAMESPACESxRULES`);
      return { namespaces, rules };
    }),
    scaleEvents: num("scaleEvents"),
    trials: num("trials"),
    concurrency: num("concurrency"),
    ferryNodeFlags: String(raw.ferryNodeFlags).split(" ").filter(Boolean),
    profile: Boolean(raw.profile),
    waitCapSeconds: num("waitCapSeconds"),
    quick: Boolean(raw.quick),
    keepPlanes: Boolean(raw.keepPlanes),
    out: String(raw.out),
    name: String(raw.name),
  };
}
