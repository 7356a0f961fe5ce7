// The one path from a plan to the API, for every planner in Ferry (the engine, each member
// worker, the registry's generated Secrets): the latest action per target key, a keyed work queue
// (dedupe, per-key backoff, bounded concurrency), a re-check of what the watches show right before
// writing (the key may be done already, by our own earlier write or by the world), the copy writer,
// failure accounting (the next plan reports failed targets), a span per write and metrics.
import type { Action, ObservedObject, SourceKind } from "../core/types.js";
import { ApiError, isApiError, isNamespaceTerminatingError, type KubeClient } from "../kube/client.js";
import { CopyWriter, type WriteVerb } from "../kube/copy-writer.js";
import type { KubeObject } from "../kube/informer.js";
import { WorkQueue } from "../kube/work-queue.js";
import { LatestActions } from "./latest-actions.js";
import type { Logger } from "../ops/logger.js";
import { tracer } from "../ops/tracing.js";

export interface Failure {
  reason: string;
  message: string;
}

/** What an executor reports to metrics; each planner maps it to its own metric names. */
export interface ExecutorMetrics {
  written?(verb: WriteVerb, kind: SourceKind): void;
  failed?(reason: string): void;
  queued?(): void;
  retried?(): void;
  /** A key finished: the queue's depth now and how long the key waited (ms). */
  done?(depth: number, queuedMs: number): void;
}

export interface ExecutorOptions {
  /** For logs and spans, e.g. "copies" or "member eu-1". */
  name: string;
  logger: Logger;
  /** What the watches show at a target key now (the re-check before writing). */
  observed(key: string): ObservedObject | undefined;
  /** Tells the watches' stores about our own writes, so no plan acts on state older than them. */
  record: {
    written(kind: SourceKind, object: KubeObject, basedOn: string | undefined): void;
    deleted(kind: SourceKind, namespace: string, name: string): void;
  };
  concurrency: number;
  /** Checked right before each write (leader election's gate): false = send nothing more. */
  mayWrite?: () => boolean;
  /** Aborts writes not sent yet (e.g. waiting for a rate-limit token) when it fires. */
  signal?: AbortSignal;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  metrics?: ExecutorMetrics;
  /** Reason and message of a failed write (default: the API's reason and the error's message). */
  describe?(error: Error): Failure;
  /** The message of a create that found the name taken (default: "<key> already exists"). */
  alreadyExists?(key: string): string;
  /** A failure appeared or went away: the next full plan must report it. */
  onFailuresChanged?(): void;
  /** Whether the watches show a namespace as being deleted (a conflict or a miss there is that deletion, not a failure). */
  namespaceTerminating?(namespace: string): boolean;
  /** After a failure was recorded (e.g. a member that did not answer). */
  onFailure?(key: string, error: Error): void;
  /** After a successful write, with the action it did. */
  onWritten?(key: string, action: Action): void;
  /** Nothing is queued or running any more. */
  onDrained?(): void;
}

/** Whether what the watches show at a key is what the action wants there. */
export function isDone(action: Action, observed: ObservedObject | undefined): boolean {
  if (action.type === "delete") return observed === undefined;
  if (action.type === "create") return observed !== undefined;
  return observed?.contentHash === action.desired.contentHash;
}

/** Whether a change seen at a key is the landing of the write the plan wanted there (nothing new to decide). */
export function isLanding(action: Action | undefined, observed: ObservedObject | undefined): boolean {
  if (!action) return false;
  return action.type === "delete" ? observed === undefined : observed?.contentHash === action.desired.contentHash;
}

export class Executor {
  private readonly latestActions = new LatestActions();
  private readonly failed = new Map<string, Failure>();
  private readonly queue: WorkQueue;
  private writer: CopyWriter | undefined;

  constructor(private readonly options: ExecutorOptions) {
    this.queue = new WorkQueue({
      concurrency: options.concurrency,
      baseBackoffMs: options.baseBackoffMs,
      maxBackoffMs: options.maxBackoffMs,
      handler: (key) => this.process(key),
      onError: (key, error, failures) => this.recordFailure(key, error as Error, failures),
      onAdd: () => options.metrics?.queued?.(),
      onRetry: () => options.metrics?.retried?.(),
      onDrained: () => options.onDrained?.(),
      onDone: (_key, queuedMs) => options.metrics?.done?.(this.queue.depth, queuedMs),
    });
  }

  /** The client to write with (a member's appears once it is built; until then nothing is written). */
  connect(client: KubeClient | undefined): void {
    const { record, metrics } = this.options;
    this.writer = client ? new CopyWriter(client, { ...record, counted: (verb, kind) => metrics?.written?.(verb, kind) }) : undefined;
  }

  /** Last write failure per target key (plan() reports them as Failed outcomes). */
  get failures(): ReadonlyMap<string, Failure> {
    return this.failed;
  }

  /** The action the latest plan wants at a key, if any is still to be done. */
  latest(key: string): Action | undefined {
    return this.latestActions.get(key);
  }

  /** A full plan's actions: they replace every earlier one; failures of keys it no longer wants are forgotten. */
  run(actions: readonly Action[]): void {
    this.latestActions.replaceAll(actions);
    for (const key of [...this.failed.keys()]) {
      if (this.latestActions.has(key)) continue;
      this.failed.delete(key);
      this.queue.forget(key);
    }
    for (const key of this.latestActions.keys()) this.queue.add(key);
  }

  /** The actions of a plan over some namespaces only: they replace the earlier ones in those namespaces. */
  runIn(namespaces: ReadonlySet<string>, actions: readonly Action[]): void {
    const wanted = new Set(actions.map((action) => action.key));
    for (const namespace of namespaces) for (const key of this.latestActions.keysIn(namespace)) if (!wanted.has(key)) this.latestActions.delete(key);
    for (const action of actions) {
      this.latestActions.set(action);
      this.queue.add(action.key);
    }
  }

  /** The actions of a plan over the copies of some names (copyNameKey): they replace the earlier ones on those copies. */
  runFor(names: ReadonlySet<string>, actions: readonly Action[]): void {
    const wanted = new Set(actions.map((action) => action.key));
    for (const name of names) for (const key of this.latestActions.keysNamed(name)) if (!wanted.has(key)) this.latestActions.delete(key);
    for (const action of actions) {
      this.latestActions.set(action);
      this.queue.add(action.key);
    }
  }

  /** Retries failed keys now rather than after their backoff (the next plan queues them again). */
  forgetBackoff(): void {
    for (const key of this.failed.keys()) this.queue.forget(key);
  }

  /** Queued (not yet running) keys. */
  get depth(): number {
    return this.queue.depth;
  }

  /** Writes queued or running. */
  get busy(): boolean {
    return this.queue.depth > 0 || this.queue.inFlight > 0;
  }

  /** Resolves when no write is queued, running or waiting for a retry (or the executor stopped). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  stop(): void {
    this.queue.stop();
  }

  private recordFailure(key: string, error: Error, failures: number): void {
    const failure = this.options.describe?.(error) ?? { reason: error instanceof ApiError ? error.reason : "Error", message: error.message };
    this.options.metrics?.failed?.(failure.reason);
    this.failed.set(key, failure);
    if (failures === 1 || failures % 10 === 0) this.options.logger.warn({ target: key, reason: failure.reason, failures, err: failure.message }, "write failed");
    this.options.onFailure?.(key, error);
    this.options.onFailuresChanged?.();
  }

  /** A 403 "being terminated", or a conflict or miss in a namespace the watches show being deleted. */
  private namespaceGoingAway(error: unknown, namespace: string): boolean {
    if (isNamespaceTerminatingError(error)) return true;
    return (isApiError(error, 409) || isApiError(error, 404)) && this.options.namespaceTerminating?.(namespace) === true;
  }

  /** Queue worker: does what the latest plan wants for this key, if it is still needed. */
  private async process(key: string): Promise<void> {
    const action = this.latestActions.get(key);
    const writer = this.writer;
    if (!action || !writer) return;
    if (isDone(action, this.options.observed(key))) return; // the next plan decides
    const target = action.type === "delete" ? action : action.desired;
    const span = tracer().startSpan("ferry.write", {
      attributes: {
        "ferry.pipeline": this.options.name,
        "ferry.action": action.type,
        "ferry.kind": target.kind,
        "ferry.namespace": target.namespace,
        "ferry.name": target.name,
        "ferry.rule": action.ruleId ?? "",
      },
    });
    try {
      if (this.options.mayWrite?.() === false) return; // no longer the leader: the planner is being stopped
      await writer.execute(action, this.options.signal);
    } catch (error) {
      if (this.namespaceGoingAway(error, target.namespace)) {
        // A write that raced the namespace's deletion: nothing will be written there again, so
        // there is nothing to retry and nothing failed. The namespace's watch event brings the
        // plan that reports it (NamespaceTerminating).
        span.setAttribute("ferry.namespace_terminating", true);
        this.options.logger.debug({ target: key, reason: (error as ApiError).reason }, "namespace is being deleted; write dropped");
        if (this.latestActions.get(key) === action) this.latestActions.delete(key);
        if (this.failed.delete(key)) this.options.onFailuresChanged?.();
        return;
      }
      span.setStatus({ code: 2, message: error instanceof ApiError ? error.reason : "Error" });
      // Exists but not seen yet: the watch will show it, and the plan will decide.
      if (action.type === "create" && isApiError(error, 409)) throw new ApiError(409, "AlreadyExists", this.options.alreadyExists?.(key) ?? `${key} already exists`);
      throw error;
    } finally {
      span.end();
    }
    if (this.latestActions.get(key) === action) this.latestActions.delete(key);
    if (this.failed.delete(key)) this.options.onFailuresChanged?.();
    this.options.onWritten?.(key, action);
  }
}
