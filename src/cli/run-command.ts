// `ferry run`: picks the cluster (never ~/.kube/config unless named), starts Ferry, and shuts
// down cleanly on SIGTERM/SIGINT.
import { KubeConfig } from "../kube/kube-config.js";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LocalControlPlane } from "../controlplane/local-control-plane.js";
import type { PolicyMode } from "../core/types.js";
import { KubeClient } from "../kube/client.js";
import { createLogger } from "../ops/logger.js";
import { FerryMetrics } from "../ops/metrics.js";
import { setupTracing } from "../ops/tracing.js";
import { startElectedFerry } from "./elected-ferry.js";
import { startFerry } from "./run.js";

export interface RunFlags {
  kubeconfig?: string;
  namespace: string;
  policy: PolicyMode;
  installCrds: boolean;
  dialects?: string;
  clusterName?: string;
  concurrency: number;
  qps: number;
  burst: number;
  healthPort: number;
  serveForeignCrds: boolean;
  localDir?: string;
  logLevel: string;
  logFormat?: "json" | "pretty";
  leaderElect: boolean;
  registry: boolean;
  hub: boolean;
  hubArgocdNamespace?: string;
  leaseDuration: number;
}

const inCluster = () => Boolean(process.env.KUBERNETES_SERVICE_HOST) && existsSync("/var/run/secrets/kubernetes.io/serviceaccount/token");

export async function runCommand(flags: RunFlags): Promise<void> {
  const logger = createLogger({ level: flags.logLevel, pretty: flags.logFormat ? flags.logFormat === "pretty" : undefined });
  const tracing = await setupTracing();
  if (tracing) logger.info("OpenTelemetry tracing on (OTLP/HTTP)");
  const kubeConfig = new KubeConfig();
  let local: LocalControlPlane | undefined;
  const named = flags.kubeconfig ?? process.env.KUBECONFIG;
  if (named) {
    kubeConfig.loadFromFile(named);
  } else if (inCluster()) {
    kubeConfig.loadFromCluster();
  } else {
    const dir = flags.localDir ?? join(tmpdir(), "ferry-local");
    logger.info({ dir }, "no cluster named (--kubeconfig, KUBECONFIG or in-cluster): starting a local control plane");
    // Loaded only here: the local control plane (and its certificate library) is not needed in a cluster.
    const { LocalControlPlane } = await import("../controlplane/local-control-plane.js");
    local = await LocalControlPlane.up({ dir });
    kubeConfig.loadFromFile(local.kubeconfigPath);
    console.error(`\nlocal cluster kubeconfig: ${local.kubeconfigPath}\ntry: kubectl --kubeconfig ${local.kubeconfigPath} get distributions -A\n`);
  }
  // One registry for the process: the client counts every apiserver request in it from the first.
  const metrics = new FerryMetrics();
  const client = await KubeClient.create(kubeConfig, { qps: flags.qps, burst: flags.burst, onRequest: metrics.onRequest });
  const ferryOptions = {
    client,
    logger,
    namespace: flags.namespace,
    policy: flags.policy,
    clusterName: flags.clusterName,
    installCrds: flags.installCrds,
    dialects: flags.dialects?.split(",").map((d) => d.trim()).filter(Boolean),
    concurrency: flags.concurrency,
    healthPort: flags.healthPort,
    serveForeignCrds: flags.serveForeignCrds,
    registry: flags.registry,
    hub: flags.hub ? { argoCdNamespace: flags.hubArgocdNamespace } : undefined,
    metrics,
  };
  const ferry = flags.leaderElect
    ? await startElectedFerry(ferryOptions, {
        leaseDurationSeconds: flags.leaseDuration,
        onLost: () => {
          logger.error("lost the leader lease: exiting so a clean replica takes over");
          process.exit(1);
        },
      })
    : await startFerry(ferryOptions);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    await ferry.stop();
    client.close();
    if (local) await local.down();
    await tracing?.shutdown();
    logger.flush?.();
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}
