// Ferry with leader election: every replica serves /healthz and /readyz; only the holder of the
// Lease runs the engine (so only the leader writes). Losing the lease stops the engine.
import { hostname } from "node:os";
import type { Server } from "node:http";
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
  /** Called when this replica loses the lease after having led (the CLI exits, so the pod restarts clean). */
  onLost?: () => void;
}

export interface ElectedFerry {
  elector: LeaderElector;
  /** The running engine while this replica leads. */
  current(): RunningFerry | undefined;
  healthUrl?: string;
  stop(options?: { release?: boolean }): Promise<void>;
}

export async function startElectedFerry(options: FerryOptions, election: ElectionSettings = {}): Promise<ElectedFerry> {
  await ensureNamespace(options.client, options.logger, options.namespace);
  let running: RunningFerry | undefined;
  let starting: Promise<void> | undefined;
  let stopping = false;
  // The process's own metrics (build info, apiserver requests, process_*) whether or not it leads;
  // the engine's families fill in while it does.
  const standbyMetrics = options.metrics ?? new FerryMetrics({ defaultMetrics: false });
  const elector = new LeaderElector({
    client: options.client,
    logger: options.logger,
    namespace: options.namespace,
    name: election.leaseName ?? "ferry-leader",
    identity: election.identity ?? `${hostname()}-${process.pid}`,
    leaseDurationSeconds: election.leaseDurationSeconds,
    renewDeadlineMs: election.renewDeadlineMs,
    retryPeriodMs: election.retryPeriodMs,
    onStartedLeading: () => {
      starting = startFerry({ ...options, healthPort: undefined }).then((ferry) => {
        running = ferry;
      });
      return starting;
    },
    onStoppedLeading: async () => {
      await starting?.catch(() => undefined);
      const ferry = running;
      running = undefined;
      await ferry?.stop();
      if (!stopping) election.onLost?.();
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
      await elector.stop(stopOptions);
      await running?.stop();
      running = undefined;
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    },
  };
}
