// `npm run cluster -- up|down|status --dir DIR`: drives a local real control plane.
import { Command } from "commander";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalControlPlane } from "../controlplane/local-control-plane.js";

const defaultDir = join(tmpdir(), "ferry-cluster");
const program = new Command("cluster").description("A local Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager)");

program
  .command("up")
  .description("build if needed, start, wait until ready, print the kubeconfig path")
  .option("--dir <dir>", "state directory (one per cluster)", defaultDir)
  .option("--apiserver-arg <flag...>", "extra kube-apiserver flag(s)")
  .action(async (options: { dir: string; apiserverArg?: string[] }) => {
    const started = Date.now();
    const plane = await LocalControlPlane.up({ dir: options.dir, apiserverArgs: options.apiserverArg });
    console.error(`control plane ready in ${((Date.now() - started) / 1000).toFixed(1)} s at ${plane.server}`);
    console.error(`try: kubectl --kubeconfig ${plane.kubeconfigPath} get namespaces`);
    console.log(plane.kubeconfigPath);
  });

program
  .command("down")
  .description("stop the control plane and remove its directory")
  .option("--dir <dir>", "state directory", defaultDir)
  .action(async (options: { dir: string }) => {
    await LocalControlPlane.attach(options.dir).down();
  });

program
  .command("restart <component>")
  .description("restart one component: etcd, apiserver or controllerManager")
  .option("--dir <dir>", "state directory", defaultDir)
  .action(async (component: string, options: { dir: string }) => {
    if (component !== "etcd" && component !== "apiserver" && component !== "controllerManager") {
      throw new Error(`unknown component ${component}`);
    }
    await LocalControlPlane.attach(options.dir).restart(component);
  });

program
  .command("status")
  .description("print which components are running")
  .option("--dir <dir>", "state directory", defaultDir)
  .action((options: { dir: string }) => {
    const plane = LocalControlPlane.attach(options.dir);
    console.log(JSON.stringify({ server: plane.server, kubeconfig: plane.kubeconfigPath, running: plane.running() }));
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});
