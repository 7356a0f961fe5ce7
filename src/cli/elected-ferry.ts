// Ferry with leader election: every replica serves /healthz and /readyz; only the holder of the
// Lease runs the engine, and its writes are gated by the term (so only the leader writes, and a
// leader that could not renew stops writing before anyone else may take over). The Lease has a
// client of its own (same kubeconfig, own rate budget and connections), so the engine's load
// never delays a renewal.
import { hostname } from "node:os";
import type { Server } from "node:http";
import { KubeClient } from "../kube/client.js";
import type { ElectionClock } from "../ops/election-clock.js";
import { LeaderElector } from "../ops/leader-election.js";
import { startHealthServer } from "../ops/health-server.js";
import { FerryMetrics } from "../ops/metrics.js";
import { ensureNamespace, startFerry, type FerryOptions, type RunningFerry } from "./run.js";

export interface ElectionSettings {
  leaseName?: string;
  identity?: string;
  leaseDurationSeconds?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  requestTimeoutMs?: number;
  clock?: ElectionClock;
  /** The Lease's client (default: a new one from the engine client's kubeconfig, 5 requests/s). */
  leaseClient?: KubeClient;
  /** Called when this replica loses the lease after having led, or cannot start leading (the CLI exits, so the pod restarts clean). */
  onLost?: () => void;
}

export interface ElectedFerry {
  elector: LeaderElector;
  /** The running engine while this replica leads. */
  current(): RunningFerry | undefined;
  healthUrl?: string;
  stop(options?: { release?: boolean }): Promise<void>;
}

/** A Lease client: the engine's credentials, a budget of its own, and two connections. */
function leaseClientFor(engineClient: KubeClient): Promise<KubeClient> {
  return KubeClient.create(engineClient.config, { qps: 5, burst: 10, maxSockets: 2 });
}

export async function startElectedFerry(options: FerryOptions, election: ElectionSettings = {}): Promise<ElectedFerry> {
  await ensureNamespace(options.client, options.logger, options.namespace);
  const leaseClient = election.leaseClient ?? (await leaseClientFor(options.client));
  let running: RunningFerry | undefined;
  // Starts and stops of terms run one after the other, in the order the elector calls them.
  let transitions: Promise<void> = Promise.resolve();
  let stopping = false;
  // The process's own metrics (build info, apiserver requests, process_*) whether or not it leads;
  // the engine's families fill in while it does.
  const standbyMetrics = options.metrics ?? new FerryMetrics({ defaultMetrics: false });
  const elector: LeaderElector = new LeaderElector({
    client: leaseClient,
    logger: options.logger,
    namespace: options.namespace,
    name: election.leaseName ?? "ferry-leader",
    identity: election.identity ?? `${hostname()}-${process.pid}`,
    leaseDurationSeconds: election.leaseDurationSeconds,
    renewDeadlineMs: election.renewDeadlineMs,
    retryPeriodMs: election.retryPeriodMs,
    requestTimeoutMs: election.requestTimeoutMs,
    clock: election.clock,
    onStartedLeading: (term) => {
      transitions = transitions.then(async () => {
        if (term.aborted) return;
        try {
          const mayWrite = () => !term.aborted && elector.mayWrite();
          running = await startFerry({ ...options, healthPort: undefined, mayWrite, writeSignal: term });
        } catch (error) {
          options.logger.error({ err: (error as Error).message }, "could not start leading");
          if (!stopping) election.onLost?.();
        }
      });
    },
    onStoppedLeading: () => {
      transitions = transitions.then(async () => {
        const ferry = running;
        running = undefined;
        await ferry?.stop();
        if (!stopping) election.onLost?.();
      });
      return transitions;
    },
  });
  let server: Server | undefined;
  let healthUrl: string | undefined;
  if (options.healthPort !== undefined) {
    server = await startHealthServer(
      options.healthPort,
      {
        // A follower is ready to take over; the leader is ready when its engine is.
        isReady: () => (running ? running.engine.isReady() : !elector.isLeader),
        watchHealth: () => running?.engine.watchHealth() ?? [],
      },
      { metrics: () => (running ? running.metrics.registry.metrics() : standbyMetrics.registry.metrics()), contentType: standbyMetrics.registry.contentType },
      options.healthHost,
    );
    const address = server.address();
    if (address && typeof address === "object") healthUrl = `http://127.0.0.1:${address.port}`;
  }
  elector.start();
  return {
    elector,
    current: () => running,
    healthUrl,
    async stop(stopOptions = { release: true }) {
      stopping = true;
      // Ends the term (the engine stops) before the Lease is released.
      await elector.stop(stopOptions);
      await transitions;
      await running?.stop();
      running = undefined;
      if (!election.leaseClient) leaseClient.close();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    },
  };
}
