// Kubernetes Events (core/v1) with fixed CamelCase reasons, written once per change: an object
// has one current Event per reason, and recording the message that is already current writes
// nothing, so an idle cluster costs no Event writes. A new message waits under its (object,
// reason) key, where a newer one replaces it, and a keyed work queue sends it (bounded
// concurrency, backoff and retry on transient errors): nothing recorded is dropped for load, and
// what waits is bounded by the objects with problems. What is current survives a restart or a
// change of leader: the first time this process records for a key, it reads the latest Event
// Ferry wrote for it (a field-selected list), and writes nothing if that already says the same.
// Messages are built by Ferry from names and reasons, never from data, and pass through
// redact() all the same.
import { redact } from "../core/redact.js";
import { ApiError, type KubeClient } from "./client.js";
import { WorkQueue } from "./work-queue.js";
import type { Logger } from "../ops/logger.js";

export interface EventTarget {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  uid?: string;
}

export interface EventRecorderOptions {
  /** Leader election's gate, checked before each send: false = send nothing more. */
  mayWrite?: () => boolean;
  /** Events sent at once (default 4). */
  concurrency?: number;
  /** Attempts before a transiently failing Event is given up (it is sent again when recorded again); default 10. */
  maxAttempts?: number;
  /** First retry delay (ms, default 1000), doubling up to 60 s. */
  baseBackoffMs?: number;
}

interface Wanted {
  target: EventTarget;
  namespace: string;
  type: "Normal" | "Warning";
  reason: string;
  message: string;
}

interface ListedEvent {
  metadata: { name: string };
  message?: string;
  lastTimestamp?: string;
}

/** The key of an object's Events of one reason: what one current Event stands for. */
export function eventKey(target: EventTarget, reason: string): string {
  return `${target.kind}/${target.namespace ?? ""}/${target.name}/${target.uid ?? ""}\u0000${reason}`;
}

/** Transient: the apiserver was unreachable, shed load (429 after the client's own retries) or failed (5xx). */
const transient = (error: unknown) => !(error instanceof ApiError) || error.status === 0 || error.status === 429 || error.status >= 500;

/** Bounds the memory of what is current; forgetting costs a read per key later, never a write. */
const maxKnownKeys = 50_000;

export class EventRecorder {
  /** Per key: the message of the latest Event Ferry wrote (null: none, or its problem went away). Absent: not looked up yet. */
  private readonly current = new Map<string, string | null>();
  private readonly wanted = new Map<string, Wanted>();
  private readonly queue: WorkQueue;
  private sequence = 0;
  private stopped = false;

  constructor(
    private readonly client: KubeClient,
    private readonly logger: Logger,
    private readonly fallbackNamespace: string,
    private readonly options: EventRecorderOptions = {},
  ) {
    this.queue = new WorkQueue({
      concurrency: options.concurrency ?? 4,
      handler: (key) => this.send(key),
      baseBackoffMs: options.baseBackoffMs ?? 1000,
      maxBackoffMs: 60_000,
      onError: (key, error, failures) => this.logger.debug({ err: (error as Error).message, reason: this.wanted.get(key)?.reason, failures }, "could not record event, will retry"),
    });
  }

  /** Makes this the current Event of the object for this reason; writes only if the current one says something else. */
  record(target: EventTarget, type: "Normal" | "Warning", reason: string, message: string): void {
    if (this.stopped) return;
    const key = eventKey(target, reason);
    const text = redact(message, { maxLength: 1024 });
    if (this.current.get(key) === text) {
      this.wanted.delete(key);
      return;
    }
    if (this.wanted.get(key)?.message === text) return;
    this.wanted.set(key, { target, namespace: target.namespace || this.fallbackNamespace, type, reason, message: text });
    this.queue.add(key);
  }

  /** The object's problem of this reason went away: the next one is recorded again, even with the same message. */
  clear(target: EventTarget, reason: string): void {
    const key = eventKey(target, reason);
    this.wanted.delete(key);
    if (this.current.has(key)) this.current.set(key, null);
  }

  /** Sends nothing more (the process stops, or its term as leader ended). */
  stop(): void {
    this.stopped = true;
    this.queue.stop();
    this.wanted.clear();
  }

  private async send(key: string): Promise<void> {
    const event = this.wanted.get(key);
    if (!event || this.stopped) return;
    const done = (message: string | null) => {
      if (this.current.size >= maxKnownKeys && !this.current.has(key)) this.current.clear();
      this.current.set(key, message);
      if (this.wanted.get(key) === event) this.wanted.delete(key);
    };
    if (this.options.mayWrite?.() === false) {
      this.wanted.delete(key);
      return;
    }
    try {
      if (!this.current.has(key)) {
        const latest = await this.latestMessage(event);
        if (latest === event.message) return done(latest);
      } else if (this.current.get(key) === event.message) {
        return done(event.message);
      }
      await this.post(event);
      done(event.message);
    } catch (error) {
      if (transient(error)) {
        if (this.queue.failureCount(key) + 1 < (this.options.maxAttempts ?? 10)) throw error;
        // Given up, not forgotten as sent: recorded again (the next full pass does), it is sent again.
        this.logger.warn({ err: (error as Error).message, reason: event.reason }, "could not record event; giving up until it is recorded again");
        if (this.wanted.get(key) === event) this.wanted.delete(key);
        return;
      }
      // Refused for good (e.g. the namespace is being deleted): like client-go, not retried.
      this.logger.debug({ err: (error as Error).message, reason: event.reason }, "event refused");
      done(event.message);
    }
  }

  /** The message of the latest Event Ferry wrote for this object and reason, if any (null without permission to look). */
  private async latestMessage(event: Wanted): Promise<string | null> {
    const { target } = event;
    const fields = [`involvedObject.kind=${target.kind}`, `involvedObject.name=${target.name}`, `reason=${event.reason}`, "source=ferry"];
    if (target.uid) fields.push(`involvedObject.uid=${target.uid}`);
    try {
      const list = await this.client.get<{ items: ListedEvent[] }>(`/api/v1/namespaces/${event.namespace}/events`, { query: { fieldSelector: fields.join(",") } });
      let latest: ListedEvent | undefined;
      for (const item of list.items) if (!latest || later(item, latest)) latest = item;
      return latest?.message ?? null;
    } catch (error) {
      if (transient(error)) throw error;
      this.logger.debug({ err: (error as Error).message }, "cannot read Events: recording without looking");
      return null;
    }
  }

  private async post(event: Wanted): Promise<void> {
    const { target, namespace } = event;
    const now = new Date().toISOString();
    // client-go's naming: the object's name and a hexadecimal time, so names sort as they were made.
    const stamp = (BigInt(Date.now()) * 1_000_000n + BigInt(this.sequence++ % 1_000_000)).toString(16);
    await this.client.request("POST", `/api/v1/namespaces/${namespace}/events`, {
      body: {
        apiVersion: "v1",
        kind: "Event",
        metadata: { name: `${target.name.slice(0, 230)}.${stamp}`, namespace },
        involvedObject: { apiVersion: target.apiVersion, kind: target.kind, namespace: target.namespace, name: target.name, uid: target.uid },
        type: event.type,
        reason: event.reason,
        message: event.message,
        source: { component: "ferry" },
        reportingComponent: "ferry.dev/controller",
        reportingInstance: process.env.HOSTNAME ?? "ferry",
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      },
    });
  }
}

/** Whether Event a was written after b: by lastTimestamp (seconds), then by name (client-go's names end in a hexadecimal time). */
function later(a: ListedEvent, b: ListedEvent): boolean {
  const [ta, tb] = [a.lastTimestamp ?? "", b.lastTimestamp ?? ""];
  if (ta !== tb) return ta > tb;
  return a.metadata.name > b.metadata.name;
}
