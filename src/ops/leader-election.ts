// Leader election on a coordination.k8s.io/v1 Lease, as client-go does it: the holder renews
// every retry period; another candidate takes over once renewTime + leaseDuration has passed;
// a leader that cannot renew within the renew deadline stops leading.
import { KubeClient, isApiError } from "../kube/client.js";
import { systemClock, type ElectionClock } from "./election-clock.js";
import type { Logger } from "./logger.js";

export interface LeaderElectionOptions {
  client: KubeClient;
  logger: Logger;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  clock?: ElectionClock;
  onStartedLeading: () => void | Promise<void>;
  onStoppedLeading: () => void | Promise<void>;
}

interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

const microTime = (date: Date) => date.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");

export class LeaderElector {
  private leading = false;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private lastRenew = 0;
  private attemptCount = 0;
  private readonly clock: ElectionClock;
  private readonly duration: number;
  private readonly renewDeadline: number;
  private readonly retryPeriod: number;

  constructor(private readonly options: LeaderElectionOptions) {
    this.duration = options.leaseDurationSeconds ?? 15;
    this.renewDeadline = options.renewDeadlineMs ?? 10_000;
    this.retryPeriod = options.retryPeriodMs ?? 2_000;
    this.clock = options.clock ?? systemClock;
  }

  /** Acquire or renew attempts made so far (finished, successful or not). */
  get attempts(): number {
    return this.attemptCount;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  private get path(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${this.options.namespace}/leases`;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.tick();
  }

  /** Stops campaigning; a leader releases the lease so a follower takes over at once. */
  async stop(options: { release?: boolean } = { release: true }): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    if (this.leading && options.release) {
      try {
        const lease = await this.options.client.get<Lease>(`${this.path}/${this.options.name}`);
        if (lease.spec.holderIdentity === this.options.identity) {
          await this.options.client.request("PUT", `${this.path}/${this.options.name}`, {
            body: { ...lease, spec: { ...lease.spec, holderIdentity: "", leaseDurationSeconds: 1 } },
          });
        }
      } catch (error) {
        this.options.logger.warn({ err: (error as Error).message }, "could not release the leader lease");
      }
    }
    if (this.leading) {
      this.leading = false;
      await this.options.onStoppedLeading();
    }
  }

  private schedule(): void {
    if (!this.running) return;
    const jitter = this.leading ? 0 : Math.random() * this.retryPeriod * 0.2;
    this.timer = setTimeout(() => void this.tick(), this.retryPeriod + jitter);
  }

  private async tick(): Promise<void> {
    try {
      const acquired = await this.tryAcquireOrRenew();
      this.attemptCount++;
      if (acquired) {
        this.lastRenew = this.clock.wallTime().getTime();
        if (!this.leading && this.running) {
          this.leading = true;
          this.options.logger.info({ identity: this.options.identity, lease: this.options.name }, "became leader");
          await this.options.onStartedLeading();
        }
      } else if (this.leading) {
        await this.lose("lease taken by another candidate");
      }
    } catch (error) {
      this.attemptCount++;
      this.options.logger.warn({ err: (error as Error).message }, "leader election attempt failed");
      if (this.leading && this.clock.wallTime().getTime() - this.lastRenew > this.renewDeadline) await this.lose("could not renew within the deadline");
    }
    this.schedule();
  }

  private async lose(reason: string): Promise<void> {
    this.leading = false;
    this.options.logger.warn({ identity: this.options.identity, reason }, "stopped leading");
    await this.options.onStoppedLeading();
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.clock.wallTime();
    const { client, name, identity } = this.options;
    const existing = await client.getOptional<Lease>(`${this.path}/${name}`);
    if (!existing) {
      try {
        await client.request("POST", this.path, {
          body: {
            apiVersion: "coordination.k8s.io/v1",
            kind: "Lease",
            metadata: { name, namespace: this.options.namespace },
            spec: { holderIdentity: identity, leaseDurationSeconds: this.duration, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 },
          },
        });
        return true;
      } catch (error) {
        if (isApiError(error, 409)) return false;
        throw error;
      }
    }
    const spec = existing.spec;
    const held = spec.holderIdentity && spec.holderIdentity !== identity;
    const renewedAt = spec.renewTime ? Date.parse(spec.renewTime) : 0;
    const expired = renewedAt + (spec.leaseDurationSeconds ?? this.duration) * 1000 < now.getTime();
    if (held && !expired) return false;
    const takingOver = spec.holderIdentity !== identity;
    try {
      await client.request("PUT", `${this.path}/${name}`, {
        body: {
          ...existing,
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds: this.duration,
            acquireTime: takingOver ? microTime(now) : spec.acquireTime,
            renewTime: microTime(now),
            leaseTransitions: (spec.leaseTransitions ?? 0) + (takingOver ? 1 : 0),
          },
        },
      });
      return true;
    } catch (error) {
      if (isApiError(error, 409)) return false;
      throw error;
    }
  }
}
