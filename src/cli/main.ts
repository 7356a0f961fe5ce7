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
  .option("--context <name>", "the kubeconfig context to use (with no kubeconfig named: one of ~/.kube/config's)")
  .option("--ferry-namespace <name>", "Ferry's own namespace (default: ferry-system)")
  .addOption(new Option("--namespace <name>", "deprecated: --ferry-namespace").hideHelp())
  .addOption(new Option("--policy <mode>", "consent policy").choices(["open", "guarded", "strict"]).default("guarded"))
  .option("--no-install-crds", "do not install or update CRDs (the Helm chart installs them)")
  .option("--dialects <names>", "comma-separated dialects to serve (default: all)")
  .option("--take-over-unmarked <dialects>", "comma-separated dialects whose rules take over unmanaged objects with no tool's marks at their targets (cutover from tools that mark nothing; docs/migration.md)")
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

/** Options shared by the read-only commands: the cluster and namespace as kubectl takes them, and Ferry's own namespace. */
function inspectOptions(command: Command, namespace = "the namespace to look at"): Command {
  return command
    .option("--kubeconfig <path>", "kubeconfig (default: KUBECONFIG or ~/.kube/config, like kubectl)")
    .option("--context <name>", "the kubeconfig context to use (default: its current context)")
    .option("-n, --namespace <name>", `${namespace} (default: the context's namespace, else default)`)
    .option("--ferry-namespace <name>", "Ferry's own namespace", "ferry-system")
    .addOption(new Option("--policy <mode>", "the consent policy Ferry runs with").choices(["open", "guarded", "strict"]).default("guarded"))
    .option("--cluster-name <name>", "the cluster name Ferry runs with (default: the one it published in its namespace, else as Ferry derives it)")
    .option("--take-over-unmarked <dialects>", "the --take-over-unmarked Ferry runs with")
    .addOption(new Option("-o, --output <format>", "output format").choices(["table", "json", "yaml"]).default("table"));
}

const allNamespaces = (command: Command) => command.option("-A, --all-namespaces", "look at every namespace (and cluster-scoped objects)", false);

inspectOptions(allNamespaces(program.command("status").description("rules with desired, synced, conflicting and failed copies"))).action(async (flags: InspectFlags) =>
  (await inspect()).statusCommand(flags),
);
inspectOptions(program.command("explain [name]").description("why a namespace has or lacks a copy (of this name): rule, selector, policy, conflict"), "the namespace to explain").action(
  async (name: string | undefined, flags: InspectFlags) => (await inspect()).explainCommand(name, flags),
);
inspectOptions(program.command("plan").description("what a new or changed rule or source would create, update or delete; writes nothing"), "the namespace of the file's objects that name none")
  .requiredOption("-f, --file <path>", "YAML with Distributions, dialect resources or annotated Secrets/ConfigMaps")
  .action(async (flags: InspectFlags & { file: string }) => (await inspect()).planCommand(flags.file, flags));
inspectOptions(allNamespaces(program.command("convert").description("print the native Distributions equivalent to the dialect objects in the namespace"))).action(async (flags: InspectFlags) =>
  (await inspect()).convertCommand(flags),
);

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});
