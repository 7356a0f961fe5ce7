// The hub's watches of one member cluster, by need and by what the credential allows:
//   - always: Secrets and ConfigMaps in the member's Ferry namespace, in full (the push target;
//     every object there, so a name held by someone else is a reported conflict, not a write);
//   - always tried: the hub's copies in every namespace, label-selected (so copies of a rule that
//     went away are found and deleted, never remembered). Refused (403) by a namespace-only
//     credential: then quietly off until a ClusterDistribution targets this member;
//   - while a ClusterDistribution targets this member: namespaces, and Secret/ConfigMap metadata
//     in every namespace (target selection and conflicts), as the in-cluster engine does.
// Together they are the member's ObservedLookup for plan().
import { managedSelector } from "../core/marks.js";
import type { ObservedLookup } from "../core/plan.js";
import type { NamespaceInfo, ObservedObject, SourceKind } from "../core/types.js";
import type { KubeClient } from "../kube/client.js";
import { resourceOf } from "../kube/collections.js";
import { Informer, type KubeObject } from "../kube/informer.js";
import { copyRecord, metadataPacking, metadataRecord, namespaceInfo } from "../kube/observed-records.js";
import type { RecordPacking } from "../kube/record-store.js";
import { waitFor } from "../util/wait-for.js";

const kinds: SourceKind[] = ["Secret", "ConfigMap"];

type Store = Informer<ObservedObject>;
/** What the worker needs of any of its informers, whatever they store. */
export type Watch = Pick<Informer<object>, "name" | "isHealthy" | "hasSynced" | "stop" | "requestRelist">;

export interface MemberWatchEvents {
  /** Something the plan reads changed. */
  changed(): void;
  /** A watch (re)listed: its earlier error is over. */
  synced(id: string): void;
  failed(id: string, what: string, error: Error): void;
}

export interface MemberWatchOptions {
  member: string;
  memberNamespace: string;
  hubName: string;
  relistIntervalMs?: number;
  silenceTimeoutMs?: number;
}

export class MemberWatches implements ObservedLookup {
  private pushTarget: Record<SourceKind, Store> | undefined;
  private copies: Record<SourceKind, Store> | undefined;
  private view: { namespaces: Informer<NamespaceInfo>; metadata: Record<SourceKind, Store> } | undefined;
  /** The copies watch was refused (a namespace-only credential) and is off. */
  private copiesRefused = false;
  private readonly syncCounts = new Map<string, number>();

  constructor(
    private readonly client: KubeClient,
    private readonly options: MemberWatchOptions,
    private readonly events: MemberWatchEvents,
  ) {}

  start(): void {
    this.pushTarget = { Secret: this.pushTargetWatch("Secret"), ConfigMap: this.pushTargetWatch("ConfigMap") };
    this.startCopies();
  }

  async stop(): Promise<void> {
    const watches = this.list();
    this.pushTarget = undefined;
    this.copies = undefined;
    this.view = undefined;
    // An informer sleeping in its backoff finishes that sleep before it exits; do not wait for it.
    await Promise.race([Promise.all(watches.map((watch) => watch.stop())), new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
  }

  list(): Watch[] {
    const list: Watch[] = [];
    if (this.pushTarget) list.push(this.pushTarget.Secret, this.pushTarget.ConfigMap);
    if (this.copies) list.push(this.copies.Secret, this.copies.ConfigMap);
    if (this.view) list.push(this.view.namespaces, this.view.metadata.Secret, this.view.metadata.ConfigMap);
    return list;
  }

  /** The watch's id in errors and status (its informer's name without the member). */
  idOf(watch: Watch): string {
    return watch.name.slice(this.options.member.length + 1);
  }

  pushTargetSynced(): boolean {
    return this.pushTarget !== undefined && kinds.every((kind) => this.pushTarget![kind].hasSynced());
  }

  pushTargetHealthy(): boolean {
    return this.pushTarget !== undefined && kinds.every((kind) => this.pushTarget![kind].isHealthy());
  }

  /** The cluster-wide copies watch and the cluster view have listed: cluster-wide rules may act. */
  clusterReady(): boolean {
    const copies = this.copies !== undefined && kinds.every((kind) => this.copies![kind].hasSynced());
    return copies && this.viewSynced();
  }

  get refused(): boolean {
    return this.copiesRefused && !this.copies;
  }

  /** The member's namespaces while the cluster view runs and has listed. */
  namespaces(): ReadonlyMap<string, NamespaceInfo> | undefined {
    return this.viewSynced() ? this.view!.namespaces.store : undefined;
  }

  /** A 403 on the copies watch: a credential limited to the member's Ferry namespace. Turns the watch off; true if it ran. */
  refuseCopies(): boolean {
    if (!this.copies) return false;
    const copies = this.copies;
    this.copies = undefined;
    this.copiesRefused = true;
    void copies.Secret.stop();
    void copies.ConfigMap.stop();
    return true;
  }

  /** Starts (or stops) the cluster-wide view; a refused copies watch is tried again when wanted. */
  ensureClusterView(wanted: boolean): string[] {
    if (wanted) {
      if (!this.copies && this.copiesRefused) {
        this.copiesRefused = false;
        this.startCopies();
      }
      if (!this.view) {
        const metadata = (kind: SourceKind) =>
          this.informer(`metadata-${resourceOf[kind]}`, `list and watch ${resourceOf[kind]} in all namespaces`, {
            path: `/api/v1/${resourceOf[kind]}`,
            metadataOnly: true,
            transform: metadataRecord(kind, []),
            packing: metadataPacking(kind),
          });
        this.view = {
          namespaces: this.informer("namespaces", "list and watch namespaces", { path: "/api/v1/namespaces", transform: namespaceInfo }),
          metadata: { Secret: metadata("Secret"), ConfigMap: metadata("ConfigMap") },
        };
      }
      return [];
    }
    if (!this.view) return [];
    const view = this.view;
    this.view = undefined;
    void view.namespaces.stop();
    void view.metadata.Secret.stop();
    void view.metadata.ConfigMap.stop();
    return ["namespaces", "metadata-secrets", "metadata-configmaps"];
  }

  /** The member answers again: restart the watches that are waiting out a backoff. */
  restartUnhealthy(): void {
    if (this.pushTarget) for (const kind of kinds) if (!this.pushTarget[kind].isHealthy()) this.pushTarget[kind] = this.restarted(this.pushTarget[kind], () => this.pushTargetWatch(kind));
    if (this.copies && kinds.some((kind) => !this.copies![kind].isHealthy())) {
      void this.copies.Secret.stop();
      void this.copies.ConfigMap.stop();
      this.startCopies();
    }
    if (this.view && [this.view.namespaces, this.view.metadata.Secret, this.view.metadata.ConfigMap].some((watch) => !watch.isHealthy())) {
      this.ensureClusterView(false);
      this.ensureClusterView(true);
    }
  }

  /** Relists every watch; resolves when each has listed again. */
  async relist(timeoutMs: number): Promise<void> {
    const watches = this.list();
    const before = new Map(watches.map((watch) => [watch.name, this.syncCounts.get(watch.name) ?? 0]));
    for (const watch of watches) watch.requestRelist();
    await waitFor(() => watches.every((watch) => (this.syncCounts.get(watch.name) ?? 0) > before.get(watch.name)!), { timeoutMs, description: `member ${this.options.member} to relist` });
  }

  get(key: string): ObservedObject | undefined {
    const firstSlash = key.indexOf("/");
    const kind = key.slice(0, firstSlash) as SourceKind;
    const rest = key.slice(firstSlash + 1);
    if (rest.slice(0, rest.indexOf("/")) === this.options.memberNamespace) return this.pushTarget?.[kind].store.get(rest);
    return this.copies?.[kind].store.get(rest) ?? this.view?.metadata[kind].store.get(rest);
  }

  /** The hub's copies on this member (found by label; plan() keeps only those marked with the hub's name). */
  *managed(): Iterable<ObservedObject> {
    for (const kind of kinds) {
      for (const record of this.pushTarget?.[kind].store.values() ?? []) yield record;
      for (const record of this.copies?.[kind].store.values() ?? []) if (record.namespace !== this.options.memberNamespace) yield record;
    }
  }

  *values(): Iterable<ObservedObject> {
    yield* this.managed();
    for (const kind of kinds) {
      for (const [key, record] of this.view?.metadata[kind].store ?? []) {
        if (record.namespace !== this.options.memberNamespace && !this.copies?.[kind].store.has(key)) yield record;
      }
    }
  }

  recordWritten(kind: SourceKind, object: KubeObject, basedOn: string | undefined): void {
    const key = `${object.metadata.namespace ?? ""}/${object.metadata.name}`;
    if (object.metadata.namespace === this.options.memberNamespace) this.pushTarget?.[kind].recordWrite(object, basedOn);
    this.copies?.[kind].recordWrite(object, basedOn);
    if (this.view?.metadata[kind].store.has(key)) this.view.metadata[kind].recordWrite(object, basedOn);
  }

  recordDeleted(kind: SourceKind, namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    this.pushTarget?.[kind].recordDelete(key);
    this.copies?.[kind].recordDelete(key);
    this.view?.metadata[kind].recordDelete(key);
  }

  private viewSynced(): boolean {
    return this.view !== undefined && this.view.namespaces.hasSynced() && this.view.metadata.Secret.hasSynced() && this.view.metadata.ConfigMap.hasSynced();
  }

  private pushTargetWatch(kind: SourceKind): Store {
    const ns = this.options.memberNamespace;
    return this.informer(`ferry-namespace-${resourceOf[kind]}`, `list and watch ${resourceOf[kind]} in namespace ${ns}`, { path: `/api/v1/namespaces/${ns}/${resourceOf[kind]}`, transform: copyRecord(kind) });
  }

  private startCopies(): void {
    const make = (kind: SourceKind) =>
      this.informer(`copies-${resourceOf[kind]}`, `list and watch ${resourceOf[kind]} in all namespaces`, {
        path: `/api/v1/${resourceOf[kind]}`,
        labelSelector: managedSelector(this.options.hubName),
        transform: copyRecord(kind),
      });
    this.copies = { Secret: make("Secret"), ConfigMap: make("ConfigMap") };
  }

  private restarted<T extends object>(watch: Informer<T>, make: () => Informer<T>): Informer<T> {
    void watch.stop();
    return make();
  }

  /** A started informer on the member, reporting to the worker. */
  private informer<T extends object>(id: string, what: string, spec: { path: string; labelSelector?: string; metadataOnly?: boolean; transform: (object: KubeObject) => T; packing?: RecordPacking<T> }): Informer<T> {
    const name = `${this.options.member}:${id}`;
    const informer = new Informer<T>({
      client: this.client,
      name,
      relistIntervalMs: this.options.relistIntervalMs,
      silenceTimeoutMs: this.options.silenceTimeoutMs,
      ...spec,
      onChange: () => this.events.changed(),
      onSynced: () => {
        this.syncCounts.set(name, (this.syncCounts.get(name) ?? 0) + 1);
        this.events.synced(id);
      },
      onError: (error) => this.events.failed(id, what, error),
    });
    informer.start();
    return informer;
  }
}
