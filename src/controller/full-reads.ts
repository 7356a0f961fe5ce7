// Reading Secrets and ConfigMaps in full, by key, at most one request per key at a time: the
// watches keep them as metadata. A failed read is retried with backoff (never given up, never
// hot). Sources (source-reader.ts) and the objects a takeover proof must see whole
// (target-reads.ts) are read through it.
import type { SourceKind } from "../core/types.js";
import type { KubeClient } from "../kube/client.js";
import { objectPath } from "../kube/copy-writer.js";
import type { KubeObject } from "../kube/informer.js";
import type { Logger } from "../ops/logger.js";

export class FullReads {
  private readonly loading = new Set<string>();
  private readonly retries = new Map<string, { failures: number; at: number }>();

  constructor(
    private readonly client: KubeClient,
    private readonly log: Logger,
    /** For log lines, e.g. "source". */
    private readonly what: string,
    /** A read of `key` finished (or will be retried): plan again. */
    private readonly loaded: (key: string) => void,
  ) {}

  /** Reads `key` ("Kind/namespace/name") unless a read of it runs or backs off; `done` gets the object, or undefined when it is gone. */
  read(key: string, done: (object: KubeObject | undefined) => void): void {
    const retry = this.retries.get(key);
    if (this.loading.has(key) || (retry && retry.at > Date.now())) return;
    this.loading.add(key);
    const [kind, namespace, name] = key.split("/") as [SourceKind, string, string];
    this.client
      .getOptional<KubeObject>(objectPath(kind, namespace, name))
      .then((object) => {
        done(object);
        this.retries.delete(key);
      })
      .catch((error: Error) => {
        const failures = (this.retries.get(key)?.failures ?? 0) + 1;
        const wait = Math.min(30_000, 250 * 2 ** Math.min(failures, 7));
        this.retries.set(key, { failures, at: Date.now() + wait });
        setTimeout(() => this.loaded(key), wait + 10).unref();
        if (failures === 1 || failures % 10 === 0) this.log.warn({ [this.what]: key, failures, err: error.message }, `could not read ${this.what}`);
      })
      .finally(() => {
        this.loading.delete(key);
        this.loaded(key);
      });
  }

  isLoading(key: string): boolean {
    return this.loading.has(key);
  }

  /** Drops the backoff of a key nobody wants any more. */
  forget(key: string): void {
    this.retries.delete(key);
  }
}
