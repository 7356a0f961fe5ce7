// A list+watch cache that does not stall. @kubernetes/client-node's informer stops on errors
// other than 410; this one restarts on any error with jittered backoff, relists on 410 Gone,
// relists periodically (so a missed delete is found), restarts a watch that has been silent
// longer than the bookmark interval allows, and reports its health for /readyz.
import { ApiError, KubeClient, PARTIAL_OBJECT_METADATA, PARTIAL_OBJECT_METADATA_LIST, isApiError } from "./client.js";
import { delay } from "../util/wait-for.js";
import { listPages } from "./list-pages.js";
import { OwnWrites } from "./own-writes.js";
import { RecordStore, type RecordPacking } from "./record-store.js";

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    generation?: number;
  };
  [field: string]: unknown;
}

export type InformerEvent = "added" | "modified" | "deleted";

/** What a consumer of an informer is told; a shared informer tells every consumer (addHandler). */
export interface InformerHandler<T> {
  /** Called for every change after the first list, and for differences found by a relist. */
  onChange?: (event: InformerEvent, key: string, current: T | undefined, previous: T | undefined) => void;
  /** Called after each (re)list completes. */
  onSynced?: () => void;
  onRestart?: (reason: string) => void;
  onError?: (error: Error) => void;
}

export interface InformerOptions<T> extends InformerHandler<T> {
  client: KubeClient;
  /** Collection path, e.g. /api/v1/secrets or /apis/ferry.dev/v1alpha1/distributions. */
  path: string;
  /** A short name for logs and metrics. */
  name: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Watch PartialObjectMetadata only: memory does not grow with object sizes. */
  metadataOnly?: boolean;
  /** What to keep of each object (default: the object itself). */
  transform?: (object: KubeObject) => T;
  /** Keeps uninteresting records packed (see RecordStore). */
  packing?: RecordPacking<T>;
  /** Relist at least this often (default 15 min). */
  relistIntervalMs?: number;
  /** Restart a watch that delivered nothing (not even a bookmark) for this long (default 150 s). */
  silenceTimeoutMs?: number;
}

interface WatchEvent {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: KubeObject & { code?: number; reason?: string; message?: string };
}

export function objectStoreKey(object: KubeObject): string {
  return object.metadata.namespace ? `${object.metadata.namespace}/${object.metadata.name}` : object.metadata.name;
}

/** What the controller and /readyz need of any informer, whatever it stores. */
export interface RunningWatch {
  readonly name: string;
  readonly restarts: number;
  start(): void;
  stop(): Promise<void>;
  hasSynced(): boolean;
  isHealthy(): boolean;
  secondsSinceActivity(): number;
}

export class Informer<T extends object = KubeObject> implements RunningWatch {
  readonly store: RecordStore<T>;
  private running = false;
  private synced = false;
  private connected = false;
  private lastListAt = 0;
  private lastActivityAt = 0;
  private abort: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private listResourceVersion = "";
  private relistRequested = false;
  private readonly ownWrites = new OwnWrites();
  private readonly handlers: Array<InformerHandler<T>> = [];
  restarts = 0;

  constructor(private readonly options: InformerOptions<T>) {
    this.store = new RecordStore(options.packing);
    this.handlers.push(options);
  }

  /**
   * Adds a consumer (a shared informer has several): it hears every change, list, restart and
   * error from now on. A consumer added after the informer has listed is told that list
   * (onSynced, on the next tick) so that it starts from what the store holds, as client-go's
   * shared informers replay their cache to a late handler.
   */
  addHandler(handler: InformerHandler<T>): void {
    this.handlers.push(handler);
    if (this.synced && handler.onSynced) {
      queueMicrotask(() => {
        if (this.handlers.includes(handler)) handler.onSynced?.();
      });
    }
  }

  /** The collection this informer watches (what makes two informers the same one). */
  get spec(): Readonly<Pick<InformerOptions<T>, "path" | "labelSelector" | "fieldSelector" | "metadataOnly" | "transform" | "packing">> {
    return this.options;
  }

  private changed(event: InformerEvent, key: string, current: T | undefined, previous: T | undefined): void {
    for (const handler of this.handlers) handler.onChange?.(event, key, current, previous);
  }

  get name(): string {
    return this.options.name;
  }

  /** True after the first complete list. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Synced, and the watch is connected (or was within the silence timeout). */
  isHealthy(): boolean {
    return this.synced && this.connected;
  }

  /** Seconds since the watch last delivered an event or bookmark. */
  secondsSinceActivity(): number {
    return this.lastActivityAt ? (Date.now() - this.lastActivityAt) / 1000 : Number.POSITIVE_INFINITY;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.abort?.abort();
    await this.loop;
  }

  /** Forces a relist now (used by tests and after the apiserver tells us we are too old). */
  requestRelist(): void {
    this.lastListAt = 0;
    this.relistRequested = true;
    this.abort?.abort();
  }

  /**
   * Records an object we just wrote, so a plan does not act on stale state before the watch
   * catches up. `basedOn` is the resourceVersion the write was conditioned on (undefined for a
   * create): if the watch has moved past it meanwhile, what it delivered stays (see OwnWrites).
   */
  recordWrite(object: KubeObject, basedOn?: string): void {
    const key = objectStoreKey(object);
    if (!this.ownWrites.recordWrite(key, object.metadata.resourceVersion, basedOn, this.store.version(key))) return;
    const previous = this.store.get(key);
    const record = this.transform(object);
    this.store.set(key, record, object.metadata.resourceVersion);
    this.changed(previous ? "modified" : "added", key, record, previous);
  }

  recordDelete(key: string): void {
    this.ownWrites.forget(key);
    const previous = this.store.get(key);
    if (!previous) return;
    this.store.delete(key);
    this.changed("deleted", key, undefined, previous);
  }

  private transform(object: KubeObject): T {
    return this.options.transform ? this.options.transform(object) : (object as unknown as T);
  }

  private async run(): Promise<void> {
    let failures = 0;
    const relistInterval = this.options.relistIntervalMs ?? 15 * 60_000;
    while (this.running) {
      try {
        if (!this.listResourceVersion || Date.now() - this.lastListAt > relistInterval) await this.list();
        // Stopped while listing: do not open a watch that only the server's timeout would end.
        if (!this.running) break;
        await this.watch();
        failures = 0;
      } catch (error) {
        if (!this.running) break;
        if (this.relistRequested) continue; // a list aborted by requestRelist(): list again, no backoff
        this.connected = false;
        this.restarts++;
        const gone = isApiError(error, 410) || (error instanceof ApiError && error.reason === "Expired");
        if (gone) this.listResourceVersion = "";
        const reason = gone ? "410 Gone: relisting" : (error as Error).message;
        for (const handler of this.handlers) handler.onRestart?.(reason);
        if (!gone) {
          for (const handler of this.handlers) handler.onError?.(error as Error);
          failures++;
          const base = Math.min(30_000, 200 * 2 ** Math.min(failures, 8));
          // A 429 (priority and fairness shedding the watch or list) says when to come back: no sooner.
          const retryAfterMs = error instanceof ApiError && error.status === 429 ? Math.min(30, error.retryAfterSeconds ?? 1) * 1000 : 0;
          await delay(Math.max(retryAfterMs, base / 2 + Math.random() * base));
        }
      }
    }
    this.connected = false;
  }

  private async list(): Promise<void> {
    // Pages are reduced to stored records as they arrive: a list of 100,000 objects never holds
    // 100,000 full objects at once (memory must not follow what Ferry does not keep).
    const seen = new Set<string>();
    const changed = new Map<string, { record: T; resourceVersion?: string }>();
    const abort = new AbortController();
    this.abort = abort; // stop() and requestRelist() end a list in flight too
    this.relistRequested = false;
    let resourceVersion: string | undefined;
    const pages = listPages<KubeObject>(this.options.client, this.options.path, {
      labelSelector: this.options.labelSelector,
      fieldSelector: this.options.fieldSelector,
      accept: this.options.metadataOnly ? PARTIAL_OBJECT_METADATA_LIST : undefined,
      fixedPages: this.options.metadataOnly,
      signal: abort.signal,
    });
    for await (const page of pages) {
      for (const item of page.items) {
        const key = objectStoreKey(item);
        seen.add(key);
        const itemVersion = item.metadata.resourceVersion;
        if (itemVersion !== undefined && this.store.version(key) === itemVersion) continue;
        // Before the first complete list nobody reads the store or hears of changes: records go
        // in (packed) as the pages arrive, so the list never holds all of them unpacked at once.
        if (!this.synced) this.store.set(key, this.transform(item), itemVersion);
        else changed.set(key, { record: this.transform(item), resourceVersion: itemVersion });
      }
      resourceVersion = page.resourceVersion;
    }
    // Replace the store, announcing differences: this is how a missed delete is found.
    for (const key of [...this.store.keys()]) {
      if (!seen.has(key)) {
        const previous = this.store.get(key)!;
        this.store.delete(key);
        if (this.synced) this.changed("deleted", key, undefined, previous);
      }
    }
    for (const [key, { record, resourceVersion: itemVersion }] of changed) {
      const previous = this.store.get(key);
      this.store.set(key, record, itemVersion);
      if (this.synced) this.changed(previous ? "modified" : "added", key, record, previous);
    }
    this.ownWrites.clear();
    this.listResourceVersion = resourceVersion ?? "";
    this.lastListAt = Date.now();
    this.lastActivityAt = Date.now();
    this.synced = true;
    for (const handler of this.handlers) handler.onSynced?.();
  }

  private async watch(): Promise<void> {
    const abort = new AbortController();
    this.abort = abort;
    const silenceTimeout = this.options.silenceTimeoutMs ?? 150_000;
    let silent = false;
    let timer = setTimeout(() => {
      silent = true;
      abort.abort();
    }, silenceTimeout);
    const relistDue = this.lastListAt + (this.options.relistIntervalMs ?? 15 * 60_000) - Date.now();
    try {
      await this.options.client.stream(
        this.options.path,
        {
          query: {
            watch: 1,
            allowWatchBookmarks: true,
            resourceVersion: this.listResourceVersion,
            // The server closes the watch at a random point in [4, 6) min, or when a relist is due.
            timeoutSeconds: Math.max(1, Math.min(Math.floor(240 + Math.random() * 120), Math.ceil(relistDue / 1000))),
            labelSelector: this.options.labelSelector,
            fieldSelector: this.options.fieldSelector,
          },
          accept: this.options.metadataOnly ? PARTIAL_OBJECT_METADATA : undefined,
          signal: abort.signal,
        },
        (raw) => {
          this.connected = true;
          this.lastActivityAt = Date.now();
          clearTimeout(timer);
          timer = setTimeout(() => {
            silent = true;
            abort.abort();
          }, silenceTimeout);
          this.handle(raw as WatchEvent);
        },
        () => {
          this.connected = true;
          this.lastActivityAt = Date.now();
        },
      );
      this.connected = true;
    } catch (error) {
      if (abort.signal.aborted && this.running) {
        if (silent) throw new Error(`watch ${this.options.name} silent for ${silenceTimeout / 1000} s: restarting`, { cause: error });
        return; // relist requested
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private handle(event: WatchEvent): void {
    if (event.type === "ERROR") {
      const status = event.object;
      throw new ApiError(status.code ?? 500, status.reason ?? "WatchError", `watch ${this.options.name}: ${status.message ?? "error"}`);
    }
    const resourceVersion = event.object.metadata?.resourceVersion;
    if (resourceVersion) this.listResourceVersion = resourceVersion;
    if (event.type === "BOOKMARK") return;
    const key = objectStoreKey(event.object);
    const previous = this.store.get(key);
    if (event.type === "DELETED") {
      this.ownWrites.forget(key);
      if (!previous) return;
      this.store.delete(key);
      this.changed("deleted", key, undefined, previous);
      return;
    }
    // Skip events we already know, and those the watch delivers before our own recorded write.
    if (!this.ownWrites.isNews(key, resourceVersion, this.store.version(key))) return;
    const record = this.transform(event.object);
    this.store.set(key, record, resourceVersion);
    this.changed(previous ? "modified" : "added", key, record, previous);
  }
}
