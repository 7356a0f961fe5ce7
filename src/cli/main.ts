#!/usr/bin/env node
// The `ferry` command (also installed as `kubectl-ferry`).
// lean-imports first: it must be in place before anything loads @kubernetes/client-node, which
// is why each command's module is loaded only when that command runs.
import "./lean-imports.js";
import { Command, Option } from "commander";
import type { InspectFlags } from "./inspect.js";
import { buildInfo } from "../ops/build-info.js";
import type { RunFlags } from "./run-command.js";

const inspect = () => import("./inspect.js");

const program = new Command("ferry")
  .description("Keeps Secrets and ConfigMaps present, current and clean across namespaces and clusters.")
  .version(buildInfo().version, "-V, --version", "print Ferry's version");

program
  .command("run")
  .description("run the controller (with no cluster named, starts a local real control plane first)")
  .option("--kubeconfig <path>", "kubeconfig of the cluster to manage (else KUBECONFIG, else in-cluster config, else a local control plane)")
  .option("--namespace <name>", "Ferry's own namespace", "ferry-system")
  .addOption(new Option("--policy <mode>", "consent policy").choices(["open", "guarded", "strict"]).default("guarded"))
  .option("--no-install-crds", "do not install or update CRDs (the Helm chart installs them)")
  .option("--dialects <names>", "comma-separated dialects to serve (default: all)")
  .option("--cluster-name <name>", "this cluster's name, written on every copy (default: the UID of namespace kube-system, unique per cluster)")
  .option("--concurrency <n>", "parallel writes", (v) => Number(v), 32)
  .option("--qps <n>", "client-side request rate limit (0: none; the apiserver's priority and fairness and --concurrency bound Ferry)", (v) => Number(v), 0)
  .option("--burst <n>", "client-side request burst", (v) => Number(v), 400)
  .option("--health-port <port>", "port for /healthz, /readyz and /metrics", (v) => Number(v), 8080)
  .option("--no-registry", "do not run the registry credentials part")
  .option("--hub", "also act as hub: push to member clusters registered in Ferry's namespace (docs/multicluster.md)", false)
  .option("--hub-argocd-namespace <name>", "with --hub: also serve Argo CD cluster Secrets labelled ferry.dev/cluster=true in this namespace")
  .option("--serve-foreign-crds", "serve dialects whose CRD another controller owns", false)
  .option("--leader-elect", "run as one of several replicas: only the holder of the ferry-leader Lease writes", false)
  .option("--lease-duration <seconds>", "leader lease duration", (v) => Number(v), 15)
  .option("--local-dir <dir>", "state directory of the local control plane (when no cluster is named)")
  .option("--log-level <level>", "log level", "info")
  .addOption(new Option("--log-format <format>", "log format").choices(["json", "pretty"]))
  .action(async (flags: RunFlags) => (await import("./run-command.js")).runCommand(flags));

/** Options shared by the read-only commands. */
function inspectOptions(command: Command): Command {
  return command
    .option("--kubeconfig <path>", "kubeconfig (default: KUBECONFIG or ~/.kube/config, like kubectl)")
    .option("--namespace <name>", "Ferry's own namespace", "ferry-system")
    .addOption(new Option("--policy <mode>", "the consent policy Ferry runs with").choices(["open", "guarded", "strict"]).default("guarded"))
    .option("--cluster-name <name>", "the cluster name Ferry runs with (default: the one it published in its namespace, else as Ferry derives it)")
    .addOption(new Option("-o, --output <format>", "output format").choices(["table", "json", "yaml"]).default("table"));
}

inspectOptions(program.command("status").description("rules with desired, synced, conflicting and failed copies")).action(async (flags: InspectFlags) => (await inspect()).statusCommand(flags));
inspectOptions(program.command("explain <namespace> [name]").description("why a namespace has or lacks a copy: rule, selector, policy, conflict")).action(
  async (namespace: string, name: string | undefined, flags: InspectFlags) => (await inspect()).explainCommand(namespace, name, flags),
);
inspectOptions(program.command("plan").description("what a new or changed rule or source would create, update or delete; writes nothing"))
  .requiredOption("-f, --file <path>", "YAML with Distributions, dialect resources or annotated Secrets/ConfigMaps")
  .action(async (flags: InspectFlags & { file: string }) => (await inspect()).planCommand(flags.file, flags));
inspectOptions(program.command("convert").description("print the native Distributions equivalent to the dialect objects in the cluster")).action(async (flags: InspectFlags) =>
  (await inspect()).convertCommand(flags),
);

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});
