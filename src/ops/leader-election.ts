// Leader election on a coordination.k8s.io/v1 Lease, by client-go's rules, such that two
// replicas never lead at once:
// - A candidate takes over only a Lease whose record (holder, renewTime, resourceVersion) it has
//   seen unchanged for the holder's leaseDurationSeconds, measured on its own monotonic clock
//   from when it first saw that record. Wall clocks of replicas are never compared, so skew
//   between nodes cannot decide who leads.
// - Renewal runs on a loop of its own, every retry period, whatever the leader is doing:
//   onStartedLeading is called, never awaited. Lease requests go through the Lease's own client
//   (own rate budget and connections) with a short timeout, so a busy engine cannot delay them.
// - A leader may write only while renewDeadline has not passed since the start of its last
//   successful renewal. mayWrite() turns false at that instant (the engine checks it before
//   each write), the term's AbortSignal aborts, and onStoppedLeading follows. Other replicas
//   start counting the lease duration no earlier than that renewal reached the apiserver, so
//   leaseDuration - renewDeadline is the margin for writes already on the wire.
import { isApiError, type KubeClient, type RequestSpec } from "../kube/client.js";
import { systemClock, type ElectionClock } from "./election-clock.js";
import type { Logger } from "./logger.js";

export interface LeaderElectionOptions {
  /** The Lease's own client: its own rate budget and connections, used for nothing else. */
  client: KubeClient;
  logger: Logger;
  namespace: string;
  name: string;
  identity: string;
  /** How long others wait after last seeing the record change before taking over (default 15 s). */
  leaseDurationSeconds?: number;
  /** The leader stops writing when it could not renew for this long (default 2/3 of the lease: 10 s). */
  renewDeadlineMs?: number;
  /** Pause between attempts (default 2/15 of the lease: 2 s; candidates add up to 20 % jitter). */
  retryPeriodMs?: number;
  /** Bound of each Lease request (default renewDeadline / 2, so two attempts fit in the deadline). */
  requestTimeoutMs?: number;
  clock?: ElectionClock;
  /** Called, not awaited, when a term starts; `term` aborts when it ends. */
  onStartedLeading: (term: AbortSignal) => void | Promise<void>;
  /** Called when a term ends (lost or stopped); stop() awaits it before releasing the Lease. */
  onStoppedLeading: () => void | Promise<void>;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: LeaseSpec;
}

interface Term {
  controller: AbortController;
  /** Monotonic start of the last successful acquire or renewal. */
  renewedAt: number;
  deadlineTimer?: NodeJS.Timeout;
}

type Outcome = "held" | "heldByOther" | "failed";

/** Kubernetes MicroTime: RFC 3339 with microseconds. */
const microTime = (date: Date) => date.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");

const recordKey = (lease: Lease) => `${lease.metadata.resourceVersion}|${lease.spec.holderIdentity ?? ""}|${lease.spec.renewTime ?? ""}`;

export class LeaderElector {
  private readonly duration: number;
  private readonly renewDeadline: number;
  private readonly retryPeriod: number;
  private readonly requestTimeout: number;
  private readonly clock: ElectionClock;
  private running = false;
  private stopController = new AbortController();
  private loopDone: Promise<void> = Promise.resolve();
  private pauseTimer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private term: Term | undefined;
  /** The last Lease read or written, and when (monotonic) this replica first saw its record. */
  private observed: { lease: Lease; at: number } | undefined;
  private stopping: Promise<void> = Promise.resolve();
  private attemptCount = 0;

  constructor(private readonly options: LeaderElectionOptions) {
    this.duration = options.leaseDurationSeconds ?? 15;
    this.renewDeadline = options.renewDeadlineMs ?? (this.duration * 2000) / 3;
    this.retryPeriod = options.retryPeriodMs ?? (this.duration * 2000) / 15;
    this.requestTimeout = options.requestTimeoutMs ?? this.renewDeadline / 2;
    this.clock = options.clock ?? systemClock;
    if (!(this.duration * 1000 > this.renewDeadline)) throw new Error("leader election: the lease duration must exceed the renew deadline");
    if (!(this.renewDeadline > this.retryPeriod * 1.2)) throw new Error("leader election: the renew deadline must exceed 1.2 x the retry period");
    if (!(this.requestTimeout > 0 && this.requestTimeout <= this.renewDeadline)) throw new Error("leader election: the request timeout must be within the renew deadline");
  }

  /** True while this replica leads and its last renewal is within the renew deadline. */
  get isLeader(): boolean {
    return this.mayWrite();
  }

  /** Whether a write may be sent now: checked by the writers right before each write. */
  mayWrite(): boolean {
    const term = this.term;
    return term !== undefined && !term.controller.signal.aborted && this.clock.monotonicMs() - term.renewedAt < this.renewDeadline;
  }

  /** Acquire or renew attempts made so far (finished, successful or not). */
  get attempts(): number {
    return this.attemptCount;
  }

  private get path(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${this.options.namespace}/leases`;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopController = new AbortController();
    this.loopDone = this.loop();
  }

  /**
   * Stops campaigning. A leader first stops leading (onStoppedLeading is awaited, so its writes
   * have ended) and then, unless told otherwise, releases the Lease so a follower takes over at once.
   */
  async stop(options: { release?: boolean } = { release: true }): Promise<void> {
    if (this.running) {
      this.running = false;
      this.stopController.abort();
      this.wake?.();
      await this.loopDone;
    }
    const led = this.term !== undefined;
    this.endTerm("stopped");
    await this.stopping;
    if (led && options.release) await this.release();
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const started = this.clock.monotonicMs();
      let outcome: Outcome = "failed";
      try {
        outcome = await this.tryAcquireOrRenew();
      } catch (error) {
        if (this.running) this.options.logger.warn({ lease: this.options.name, err: (error as Error).message }, "leader election attempt failed");
      }
      this.attemptCount++;
      if (!this.running) return;
      if (outcome === "held") this.renewed(started);
      else if (outcome === "heldByOther") this.endTerm("the lease is held by another candidate");
      else if (this.term && !this.mayWrite()) this.endTerm("could not renew within the deadline");
      await this.pause(this.term ? this.retryPeriod : this.retryPeriod * (1 + Math.random() * 0.2));
    }
  }

  /** Waits between attempts; stop() cuts it short. */
  private async pause(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      this.wake = resolve;
      this.pauseTimer = setTimeout(resolve, ms);
    });
    clearTimeout(this.pauseTimer);
    this.wake = undefined;
  }

  private renewed(startedAt: number): void {
    // An answer that came after the deadline proves nothing about the time in between.
    if (this.clock.monotonicMs() - startedAt >= this.renewDeadline) {
      if (this.term && !this.mayWrite()) this.endTerm("could not renew within the deadline");
      return;
    }
    if (this.term) {
      this.term.renewedAt = startedAt;
    } else {
      this.term = { controller: new AbortController(), renewedAt: startedAt };
      this.options.logger.info({ identity: this.options.identity, lease: this.options.name }, "became leader");
      const signal = this.term.controller.signal;
      void Promise.resolve()
        .then(() => this.options.onStartedLeading(signal))
        .catch((error: Error) => this.options.logger.error({ err: error.message }, "onStartedLeading failed"));
    }
    this.armDeadline();
  }

  /** Ends the term at the renew deadline even while an attempt is still waiting for an answer. */
  private armDeadline(): void {
    const term = this.term;
    if (!term) return;
    clearTimeout(term.deadlineTimer);
    const remaining = term.renewedAt + this.renewDeadline - this.clock.monotonicMs();
    term.deadlineTimer = setTimeout(() => {
      if (this.term !== term) return;
      if (this.mayWrite()) this.armDeadline();
      else this.endTerm("could not renew within the deadline");
    }, Math.max(remaining, 10));
  }

  private endTerm(reason: string): void {
    const term = this.term;
    if (!term) return;
    this.term = undefined;
    clearTimeout(term.deadlineTimer);
    term.controller.abort(new Error(`leadership ended: ${reason}`));
    if (reason !== "stopped") this.options.logger.warn({ identity: this.options.identity, lease: this.options.name, reason }, "stopped leading");
    const previous = this.stopping;
    this.stopping = previous
      .then(() => this.options.onStoppedLeading())
      .catch((error: Error) => this.options.logger.error({ err: error.message }, "onStoppedLeading failed"));
  }

  /** A Lease request with its own timeout, abandoned at once when the elector stops. */
  private async call<T>(send: (spec: RequestSpec) => Promise<T>, abortOnStop = true): Promise<T> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`Lease request timed out after ${this.requestTimeout} ms`)), this.requestTimeout);
    const onStop = () => controller.abort(new Error("leader election stopped"));
    if (abortOnStop) this.stopController.signal.addEventListener("abort", onStop, { once: true });
    // The race also bounds what the client might do without looking at the signal (e.g. wait to retry a 429).
    const aborted = new Promise<never>((_, reject) => controller.signal.addEventListener("abort", () => reject(controller.signal.reason as Error), { once: true }));
    try {
      return await Promise.race([send({ timeoutMs: this.requestTimeout, signal: controller.signal }), aborted]);
    } finally {
      clearTimeout(timer);
      this.stopController.signal.removeEventListener("abort", onStop);
    }
  }

  /** Remembers a Lease; its record counts as new (the lease duration starts again) when it changed. */
  private observe(lease: Lease): void {
    const unchanged = this.observed && recordKey(this.observed.lease) === recordKey(lease);
    this.observed = { lease, at: unchanged ? this.observed!.at : this.clock.monotonicMs() };
  }

  private expiredHere(): boolean {
    const observed = this.observed;
    if (!observed) return false;
    const duration = (observed.lease.spec.leaseDurationSeconds ?? this.duration) * 1000;
    return this.clock.monotonicMs() - observed.at >= duration;
  }

  private spec(previous: LeaseSpec | undefined, now: Date): LeaseSpec {
    const takingOver = previous?.holderIdentity !== this.options.identity;
    return {
      holderIdentity: this.options.identity,
      leaseDurationSeconds: this.duration,
      acquireTime: takingOver || !previous?.acquireTime ? microTime(now) : previous.acquireTime,
      renewTime: microTime(now),
      leaseTransitions: (previous?.leaseTransitions ?? 0) + (previous && takingOver ? 1 : 0),
    };
  }

  private put(lease: Lease, spec: LeaseSpec): Promise<Lease> {
    const body: Lease = { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: lease.metadata, spec };
    return this.call((request) => this.options.client.request<Lease>("PUT", `${this.path}/${this.options.name}`, { ...request, body }));
  }

  private async tryAcquireOrRenew(): Promise<Outcome> {
    const { client, name, identity, namespace } = this.options;
    const now = this.clock.wallTime();
    // The leader renews the record it wrote last without reading it first (one request).
    if (this.term && this.observed?.lease.spec.holderIdentity === identity) {
      try {
        this.observe(await this.put(this.observed.lease, this.spec(this.observed.lease.spec, now)));
        return "held";
      } catch (error) {
        if (!isApiError(error, 409)) throw error;
      }
    }
    const existing = await this.call((request) => client.getOptional<Lease>(`${this.path}/${name}`, request));
    if (!existing) {
      try {
        const body: Lease = { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name, namespace }, spec: this.spec(undefined, now) };
        this.observe(await this.call((request) => client.request<Lease>("POST", this.path, { ...request, body })));
        return "held";
      } catch (error) {
        if (isApiError(error, 409)) return "failed"; // created by another candidate meanwhile: read it next time
        throw error;
      }
    }
    this.observe(existing);
    const holder = existing.spec.holderIdentity ?? "";
    // Someone else wrote a record naming itself: a term of ours ends whether or not that expired since.
    if (holder !== "" && holder !== identity && (this.term || !this.expiredHere())) return "heldByOther";
    try {
      this.observe(await this.put(existing, this.spec(existing.spec, now)));
      return "held";
    } catch (error) {
      if (isApiError(error, 409)) return "failed"; // written by someone else meanwhile: read it next time
      throw error;
    }
  }

  /** Gives the Lease up (holder cleared, 1 s duration) if this replica still holds it. */
  private async release(): Promise<void> {
    try {
      const lease = await this.call((request) => this.options.client.get<Lease>(`${this.path}/${this.options.name}`, request), false);
      if (lease.spec.holderIdentity !== this.options.identity) return;
      const now = microTime(this.clock.wallTime());
      const spec: LeaseSpec = { holderIdentity: "", leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: lease.spec.leaseTransitions };
      const body: Lease = { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: lease.metadata, spec };
      await this.call((request) => this.options.client.request("PUT", `${this.path}/${this.options.name}`, { ...request, body }), false);
    } catch (error) {
      this.options.logger.warn({ err: (error as Error).message }, "could not release the leader lease");
    }
  }
}
