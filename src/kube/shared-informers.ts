// One informer per watched collection, shared by every part of Ferry that watches it: the model
// is client-go's shared informer factory. Parts ask for a collection (and add their handler);
// the same collection asked twice is the same informer, listed and watched once. The composition
// root starts the set once every part has asked, and stops it last.
import type { KubeClient } from "./client.js";
import { Informer, type InformerHandler, type InformerOptions, type KubeObject, type RunningWatch } from "./informer.js";

/** A watched collection: what makes two informers the same one. */
export type Collection<T extends object> = Pick<InformerOptions<T>, "name" | "path" | "labelSelector" | "fieldSelector" | "metadataOnly" | "transform" | "packing">;

export interface SharedInformersOptions {
  client: KubeClient;
  relistIntervalMs?: number;
  silenceTimeoutMs?: number;
  /** Called when any watch restarts (metrics, logs). */
  onRestart?: (watch: string, reason: string) => void;
}

function identity(collection: Collection<object>): string {
  return JSON.stringify([collection.path, collection.labelSelector ?? "", collection.fieldSelector ?? "", collection.metadataOnly === true]);
}

export class SharedInformers {
  private readonly informers = new Map<string, Informer<object>>();
  private started = false;

  constructor(private readonly options: SharedInformersOptions) {}

  get client(): KubeClient {
    return this.options.client;
  }

  /**
   * The informer of a collection (created on first request; started at once if the set already
   * runs), with `handler` added. Asking for a collection with another transform is a bug: one
   * collection is kept one way.
   */
  informer<T extends object = KubeObject>(collection: Collection<T>, handler?: InformerHandler<T>): Informer<T> {
    const key = identity(collection as Collection<object>);
    let informer = this.informers.get(key) as Informer<T> | undefined;
    if (informer) {
      if (informer.spec.transform !== collection.transform || informer.spec.packing !== collection.packing) {
        throw new Error(`collection ${collection.name} is already watched with another transform`);
      }
    } else {
      informer = new Informer<T>({
        ...collection,
        client: this.options.client,
        relistIntervalMs: this.options.relistIntervalMs,
        silenceTimeoutMs: this.options.silenceTimeoutMs,
        onRestart: (reason) => this.options.onRestart?.(collection.name, reason),
      });
      this.informers.set(key, informer as unknown as Informer<object>);
      if (this.started) informer.start();
    }
    if (handler) informer.addHandler(handler);
    return informer;
  }

  /** Starts every informer, and from now on every one asked for later. */
  start(): void {
    this.started = true;
    for (const informer of this.informers.values()) informer.start();
  }

  async stop(): Promise<void> {
    this.started = false;
    await Promise.all([...this.informers.values()].map((informer) => informer.stop()));
  }

  /** Every informer of the set (health, metrics). */
  watches(): RunningWatch[] {
    return [...this.informers.values()];
  }
}
