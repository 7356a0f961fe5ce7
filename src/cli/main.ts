#!/usr/bin/env node
// The `ferry` command (also installed as `kubectl-ferry`).
import { Command, Option } from "commander";
import { runCommand } from "./run-command.js";

const program = new Command("ferry").description("Keeps Secrets and ConfigMaps present, current and clean across namespaces and clusters.");

program
  .command("run")
  .description("run the controller (with no cluster named, starts a local real control plane first)")
  .option("--kubeconfig <path>", "kubeconfig of the cluster to manage (else KUBECONFIG, else in-cluster config, else a local control plane)")
  .option("--namespace <name>", "Ferry's own namespace", "ferry-system")
  .addOption(new Option("--policy <mode>", "consent policy").choices(["open", "guarded", "strict"]).default("guarded"))
  .option("--no-install-crds", "do not install or update CRDs (the Helm chart installs them)")
  .option("--dialects <names>", "comma-separated dialects to serve (default: all)")
  .option("--cluster-name <name>", "this cluster's name, written on every copy", "local")
  .option("--concurrency <n>", "parallel writes", (v) => Number(v), 32)
  .option("--qps <n>", "client-side request rate limit", (v) => Number(v), 200)
  .option("--burst <n>", "client-side request burst", (v) => Number(v), 400)
  .option("--health-port <port>", "port for /healthz, /readyz and /metrics", (v) => Number(v), 8080)
  .option("--serve-foreign-crds", "serve dialects whose CRD another controller owns", false)
  .option("--leader-elect", "run as one of several replicas: only the holder of the ferry-leader Lease writes", false)
  .option("--lease-duration <seconds>", "leader lease duration", (v) => Number(v), 15)
  .option("--local-dir <dir>", "state directory of the local control plane (when no cluster is named)")
  .option("--log-level <level>", "log level", "info")
  .addOption(new Option("--log-format <format>", "log format").choices(["json", "pretty"]))
  .action(runCommand);

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});
