// `ferry run`: picks the cluster (never ~/.kube/config unless named: a --context counts as
// naming it), starts Ferry, and shuts down cleanly on SIGTERM/SIGINT.
import { KubeConfig } from "../kube/kube-config.js";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LocalControlPlane } from "../controlplane/local-control-plane.js";
import type { PolicyMode } from "../core/types.js";
import { KubeClient } from "../kube/client.js";
import { createLogger, type Logger } from "../ops/logger.js";
import { FerryMetrics } from "../ops/metrics.js";
import { setupTracing } from "../ops/tracing.js";
import { startElectedFerry } from "./elected-ferry.js";
import { useContext } from "./kubeconfig.js";
import { startFerry } from "./run.js";

export interface RunFlags {
  kubeconfig?: string;
  context?: string;
  /** Ferry's own namespace (default ferry-system). */
  ferryNamespace?: string;
  /** Deprecated alias of ferryNamespace (`ferry run` has no other namespace, so it is unambiguous here). */
  namespace?: string;
  policy: PolicyMode;
  installCrds: boolean;
  dialects?: string;
  takeOverUnmarked?: string;
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

/** --ferry-namespace, or the deprecated --namespace (said so in the log). */
function ferryNamespaceOf(flags: RunFlags, logger: Logger): string {
  if (flags.namespace === undefined) return flags.ferryNamespace ?? "ferry-system";
  if (flags.ferryNamespace !== undefined && flags.ferryNamespace !== flags.namespace) {
    throw new Error(`--namespace ${flags.namespace} and --ferry-namespace ${flags.ferryNamespace} disagree (--namespace is the deprecated name of --ferry-namespace)`);
  }
  logger.warn({ namespace: flags.namespace }, "--namespace is deprecated: use --ferry-namespace (Ferry's own namespace)");
  return flags.namespace;
}

export async function runCommand(flags: RunFlags): Promise<void> {
  const logger = createLogger({ level: flags.logLevel, pretty: flags.logFormat ? flags.logFormat === "pretty" : undefined });
  const namespace = ferryNamespaceOf(flags, logger);
  const tracing = await setupTracing();
  if (tracing) logger.info("OpenTelemetry tracing on (OTLP/HTTP)");
  const kubeConfig = new KubeConfig();
  let local: LocalControlPlane | undefined;
  const named = flags.kubeconfig ?? process.env.KUBECONFIG;
  if (named) {
    kubeConfig.loadFromFile(named);
    useContext(kubeConfig, flags.context);
  } else if (flags.context) {
    // A context named is a cluster named: kubectl's default kubeconfig, ~/.kube/config.
    kubeConfig.loadFromDefault();
    useContext(kubeConfig, flags.context);
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
    namespace,
    policy: flags.policy,
    clusterName: flags.clusterName,
    installCrds: flags.installCrds,
    dialects: flags.dialects?.split(",").map((d) => d.trim()).filter(Boolean),
    takeOverUnmarked: flags.takeOverUnmarked?.split(","),
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
