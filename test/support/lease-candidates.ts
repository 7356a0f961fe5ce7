// Candidates for one Lease on the run's shared control plane, each with its own client (as
// separate processes would have), and a reader of the Lease as the apiserver holds it.
import type { TestContext } from "node:test";
import { pino } from "pino";
import { KubeClient } from "../../src/kube/client.js";
import type { ElectionClock } from "../../src/ops/election-clock.js";
import { LeaderElector, type LeaderElectionOptions } from "../../src/ops/leader-election.js";
import { sharedControlPlane } from "./cluster.js";
import { testLogPath } from "./ferry.js";

export interface LeaseSpec {
  holderIdentity?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Candidate {
  elector: LeaderElector;
  /** How many times this candidate started leading. */
  terms: number;
}

/** Timings of a short lease, so a test sees many renewals and a takeover in seconds. */
export const shortLease = { leaseDurationSeconds: 4, renewDeadlineMs: 3_000, retryPeriodMs: 500 };

export async function startCandidate(
  t: TestContext,
  options: Omit<LeaderElectionOptions, "client" | "logger" | "onStartedLeading" | "onStoppedLeading"> & Partial<LeaderElectionOptions>,
): Promise<Candidate> {
  const client = options.client ?? (await KubeClient.fromFile(sharedControlPlane().kubeconfigPath));
  t.after(() => client.close());
  const logger = pino({ level: "debug", base: { candidate: options.identity } }, pino.destination({ dest: testLogPath(), append: true, sync: true }));
  const candidate: Candidate = { elector: undefined as unknown as LeaderElector, terms: 0 };
  candidate.elector = new LeaderElector({
    ...shortLease,
    ...options,
    client,
    logger,
    onStartedLeading: async (...args) => {
      candidate.terms++;
      await options.onStartedLeading?.(...args);
    },
    onStoppedLeading: () => options.onStoppedLeading?.(),
  });
  candidate.elector.start();
  t.after(() => candidate.elector.stop({ release: false }));
  return candidate;
}

/** The Lease as the apiserver holds it now. */
export async function readLease(client: KubeClient, namespace: string, name: string): Promise<LeaseSpec | undefined> {
  const lease = await client.getOptional<{ spec: LeaseSpec }>(`/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/${name}`);
  return lease?.spec;
}

/** A clock whose monotonic time moves only when the test advances it, and whose wall time is off by a fixed amount. */
export class HandClock implements ElectionClock {
  private ms = 1_000_000;

  constructor(private readonly wallOffsetMs: number) {}

  monotonicMs(): number {
    return this.ms;
  }

  wallTime(): Date {
    return new Date(Date.now() + this.wallOffsetMs);
  }

  advance(ms: number): void {
    this.ms += ms;
  }
}

/** The system's clocks with the wall time off by a fixed amount (a node whose clock is wrong). */
export function skewedClock(wallOffsetMs: number): ElectionClock {
  return { monotonicMs: () => performance.now(), wallTime: () => new Date(Date.now() + wallOffsetMs) };
}
