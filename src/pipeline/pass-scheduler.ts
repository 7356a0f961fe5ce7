// When to plan, for every planner in Ferry. What an event can change decides what is planned:
// - a rule, source, custom resource, failure or (re)list: a full pass, throttled (it starts at
//   least twice its last duration, at most 250 ms, after the previous one ended, so planning never
//   starves writing, while one event after a quiet spell is planned at once); a full pass also
//   publishes the reports;
// - a namespace, or an object at a possible target in it: a pass over that namespace only, at
//   once (if the planner has one); the reports follow later;
// - a source's content: a pass over the copies of its rules' names only, at once (if the planner
//   has one); the reports follow later;
// - the landing of a planned write: nothing to decide; the reports are refreshed when the writes
//   drain, and at least every second meanwhile.
// A planner that keeps its reports by namespace (core/report-ledger.ts) refreshes them at the cost
// of what changed (`refresh`); one that does not refreshes them with a full pass.
import type { Logger } from "../ops/logger.js";

export interface PassSchedulerOptions {
  /** Plans everything and publishes reports; false when it could not plan yet (e.g. caches not synced). */
  full(): boolean;
  /** Plans these namespaces only (omit for planners that always plan in full). */
  focused?(namespaces: ReadonlySet<string>): void;
  /** Plans the copies of these names (core/partial-plan.ts copyNameKey) on their own (omit: a full pass). */
  copies?(names: ReadonlySet<string>): void;
  /** Publishes the reports from what the focused passes found; false when only a full pass can (omit: always a full pass). */
  refresh?(): boolean;
  /** Writes are queued or running: reports would be behind them. */
  busy(): boolean;
  logger: Logger;
}

interface Batch {
  pending: Set<string>;
  timer?: NodeJS.Timeout;
}

export class PassScheduler {
  private fullTimer: NodeJS.Timeout | undefined;
  private fullDueAt = 0;
  private refreshTimer: NodeJS.Timeout | undefined;
  private refreshDueAt = 0;
  private lastRefreshEnd = 0;
  /** Namespaces, and copy names, waiting for their partial pass. */
  private readonly namespaces: Batch = { pending: new Set() };
  private readonly names: Batch = { pending: new Set() };
  private lastPassEnd = 0;
  /** Duration of the last full pass (ms). */
  private lastPassMs = 0;
  /** Writes landed since the last full pass: the reports are behind, the actions are not. */
  private reportsStale = false;
  private stopped = false;
  /** Full passes run so far. */
  passes = 0;

  constructor(private readonly options: PassSchedulerOptions) {}

  /** Asks for a full pass soon; many requests in a burst make one pass. */
  requestFull(): void {
    this.schedule(Math.max(Date.now() + 5, this.lastPassEnd + Math.min(250, this.lastPassMs * 2)));
  }

  /** Something in this namespace changed that only its own targets depend on: plan it on its own, now. */
  requestNamespace(namespace: string): void {
    this.requestPartial(this.namespaces, this.options.focused, [namespace]);
  }

  /** A source changed: plan the copies of its rules' names on their own, now. */
  requestCopies(names: Iterable<string>): void {
    this.requestPartial(this.names, this.options.copies, names);
  }

  /** Plans these items with `pass` within 2 ms, together with the others asked for meanwhile (no `pass`: a full pass); the reports follow. */
  private requestPartial(batch: Batch, pass: ((items: ReadonlySet<string>) => void) | undefined, items: Iterable<string>): void {
    if (this.stopped) return;
    if (!pass) return this.requestFull();
    for (const item of items) batch.pending.add(item);
    this.reportsStale = true;
    this.scheduleRefresh(this.reportRefreshAt());
    batch.timer ??= setTimeout(() => {
      batch.timer = undefined;
      const taken = new Set(batch.pending);
      batch.pending.clear();
      this.guarded(() => pass(taken));
    }, 2);
  }

  /** A planned write landed: nothing new to decide; refresh the reports when the writes drain (or within a second). */
  confirm(): void {
    this.reportsStale = true;
    this.scheduleRefresh(this.options.busy() ? this.reportRefreshAt() : Date.now() + 5);
  }

  /** The writes drained: reports behind them are refreshed now. */
  drained(): void {
    if (this.reportsStale) this.scheduleRefresh(Date.now() + 5);
  }

  stop(): void {
    this.stopped = true;
    if (this.fullTimer) clearTimeout(this.fullTimer);
    if (this.namespaces.timer) clearTimeout(this.namespaces.timer);
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    if (this.names.timer) clearTimeout(this.names.timer);
  }

  /** When a full pass that only refreshes reports may run: not before the writes it reports on are sent, at most every second. */
  private reportRefreshAt(): number {
    if (this.options.refresh) return Math.max(Date.now() + 100, Math.max(this.lastPassEnd, this.lastRefreshEnd) + 1000);
    return Math.max(Date.now() + Math.max(100, this.lastPassMs * 2), this.lastPassEnd + Math.max(1000, this.lastPassMs * 10));
  }

  /** The reports are behind: refresh them at `at` (the refresh falls back to a full pass). */
  private scheduleRefresh(at: number): void {
    if (!this.options.refresh) return this.schedule(at);
    if (this.stopped || (this.refreshTimer && this.refreshDueAt <= at)) return;
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshDueAt = at;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      if (this.stopped || !this.reportsStale) return;
      this.guarded(() => {
        if (!this.options.refresh!()) return this.runFull();
        this.reportsStale = false;
        this.lastRefreshEnd = Date.now();
      });
    }, Math.max(0, at - Date.now()));
  }

  private schedule(at: number): void {
    if (this.stopped || (this.fullTimer && this.fullDueAt <= at)) return;
    if (this.fullTimer) clearTimeout(this.fullTimer);
    this.fullDueAt = at;
    this.fullTimer = setTimeout(() => {
      this.fullTimer = undefined;
      this.guarded(() => this.runFull());
    }, Math.max(0, at - Date.now()));
  }

  private runFull(): void {
    if (this.stopped) return;
    const started = process.hrtime.bigint();
    if (!this.options.full()) return;
    // This pass covered every namespace and copy and refreshed every report.
    this.namespaces.pending.clear();
    this.names.pending.clear();
    this.reportsStale = false;
    this.passes++;
    this.lastPassMs = Number(process.hrtime.bigint() - started) / 1e6;
    this.lastPassEnd = Date.now();
  }

  /** A pass that throws is a bug; it is logged and must not take the process down. */
  private guarded(pass: () => void): void {
    try {
      pass();
    } catch (error) {
      this.options.logger.error({ err: (error as Error).message, stack: (error as Error).stack }, "plan pass failed");
    }
  }
}
