// A keyed work queue: a key is queued at most once, never processed by two workers at once,
// retried with per-key exponential backoff, and processed with bounded concurrency. The handler
// decides at processing time what the key needs (so a queued key never runs stale work).

export interface WorkQueueOptions {
  concurrency: number;
  handler: (key: string) => Promise<void>;
  /** First retry delay (ms); doubles per failure up to maxBackoffMs. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  onError?: (key: string, error: unknown, failures: number) => void;
  /** Called for every add and every retry (metrics). */
  onAdd?: () => void;
  onRetry?: () => void;
  /** Called whenever nothing is queued or running any more (keys may still wait for a retry). */
  onDrained?: () => void;
  /** Called with each finished item's time in queue and processing time (ms). */
  onDone?: (key: string, queuedMs: number, workMs: number, ok: boolean) => void;
}

export class WorkQueue {
  /** Keys in order; those before `head` are taken (Array.shift copies the array: O(n) per take at 20,000 keys). */
  private queue: string[] = [];
  private head = 0;
  private readonly queued = new Map<string, number>();
  private readonly active = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private workers = 0;
  private stopped = false;
  private idleWaiters: Array<() => void> = [];
  adds = 0;
  retries = 0;

  constructor(private readonly options: WorkQueueOptions) {}

  get depth(): number {
    return this.queue.length - this.head;
  }

  get inFlight(): number {
    return this.active.size;
  }

  /** Number of failures recorded for a key since its last success. */
  failureCount(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Keys waiting for a backoff timer. */
  get waiting(): number {
    return this.timers.size;
  }

  add(key: string): void {
    if (this.stopped) return;
    if (this.timers.has(key)) return; // backing off: the timer re-adds it
    this.adds++;
    this.options.onAdd?.();
    if (this.active.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.set(key, Date.now());
    this.queue.push(key);
    this.pump();
  }

  /** Clears a key's failure history and any pending backoff (e.g. its work is no longer wanted). */
  forget(key: string): void {
    this.failures.delete(key);
    const timer = this.timers.get(key);
    if (timer) clearTimeout(timer);
    this.timers.delete(key);
  }

  /** Resolves when nothing is queued, running or waiting for a retry, or when the queue is stopped. */
  idle(): Promise<void> {
    if (this.stopped || this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  isIdle(): boolean {
    return this.depth === 0 && this.active.size === 0 && this.timers.size === 0;
  }

  /** Drops queued work and pending retries; callers waiting in idle() are released (nothing more will run). */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.queue = [];
    this.head = 0;
    this.queued.clear();
    this.releaseIdleWaiters();
  }

  private releaseIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private pump(): void {
    while (this.workers < this.options.concurrency && this.depth > 0) {
      const key = this.queue[this.head++]!;
      if (this.head === this.queue.length) {
        this.queue = [];
        this.head = 0;
      } else if (this.head >= 4096 && this.head * 2 >= this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      const queuedAt = this.queued.get(key) ?? Date.now();
      this.queued.delete(key);
      this.active.add(key);
      this.workers++;
      void this.process(key, queuedAt);
    }
    if (this.depth === 0 && this.active.size === 0) this.options.onDrained?.();
    if (this.isIdle()) this.releaseIdleWaiters();
  }

  private async process(key: string, queuedAt: number): Promise<void> {
    const started = Date.now();
    let ok = true;
    try {
      await this.options.handler(key);
      this.failures.delete(key);
    } catch (error) {
      ok = false;
      const failures = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, failures);
      this.options.onError?.(key, error, failures);
      if (!this.stopped) {
        const base = this.options.baseBackoffMs ?? 200;
        const wait = Math.min(this.options.maxBackoffMs ?? 60_000, base * 2 ** (failures - 1));
        this.retries++;
        this.options.onRetry?.();
        this.timers.set(
          key,
          setTimeout(() => {
            this.timers.delete(key);
            this.add(key);
          }, wait * (0.75 + Math.random() * 0.5)),
        );
      }
    } finally {
      this.options.onDone?.(key, started - queuedAt, Date.now() - started, ok);
      this.active.delete(key);
      this.workers--;
      if (this.dirty.delete(key) && !this.timers.has(key)) this.add(key);
      this.pump();
    }
  }
}
