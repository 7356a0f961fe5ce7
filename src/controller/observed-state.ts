// What the engine sees of the cluster, from the shared informers: namespaces; Secret and ConfigMap
// metadata cluster-wide (Ferry's own copies excluded, and Ferry's own namespace, which the shared
// full watch of that namespace covers); our copies in full, label-selected and kept as content
// hashes; and the custom resources of the dialects. It is the plan's ObservedLookup, and it tells
// the engine what changed, as records.
import { notOwnCopiesSelector, ownCopiesSelector, ownCopyTest } from "../core/cluster-identity.js";
import { isFerryCopy, PULL_LABEL } from "../core/marks.js";
import type { ObservedLookup } from "../core/plan.js";
import type { NamespaceInfo, ObservedObject, Policy, SourceKind } from "../core/types.js";
import type { CustomResourceType, Dialect } from "../dialects/dialect.js";
import { customResourceCollection, ferryNamespaceCollection, resourceOf } from "../kube/collections.js";
import type { Informer, KubeObject, RunningWatch } from "../kube/informer.js";
import { copyRecord, metadataPacking, metadataRecord, namespaceInfo } from "../kube/observed-records.js";
import type { SharedInformers } from "../kube/shared-informers.js";

const kinds: SourceKind[] = ["Secret", "ConfigMap"];

export type RecordChange = (kind: SourceKind, key: string, current: ObservedObject | undefined, previous: ObservedObject | undefined) => void;

export interface ObservedStateHandlers {
  namespaceChanged(name: string): void;
  /** A Secret/ConfigMap that is not our copy (a possible source, or an object at a possible target). */
  objectChanged: RecordChange;
  /** One of our copies (as the label-selected watch sees it, or as we recorded our own write). */
  copyChanged: RecordChange;
  resourceChanged(): void;
  synced(): void;
}

export interface ObservedStateOptions {
  ferryNamespace: string;
  /** This cluster's name and the names that also mark its own copies (core/cluster-identity.ts). */
  policy: Pick<Policy, "clusterName" | "ownClusterNames">;
  /** Keys whose carriers are kept with full metadata (dialects/index.ts relevantKeys). */
  relevantKeys: readonly string[];
  dialects: readonly Dialect[];
  /** Custom resource types whose API is served (others are not watched). */
  servedTypes: readonly CustomResourceType[];
}

export interface WatchedResources {
  type: CustomResourceType;
  dialects: Dialect[];
  informer: Informer<KubeObject>;
}

const storeKeys = new Map<string, string>();

export const typeKey = (type: CustomResourceType) => `${type.group}/${type.version}/${type.kind}`;

export class ObservedState implements ObservedLookup {
  readonly namespaces: Informer<NamespaceInfo>;
  private readonly metadata: Record<SourceKind, Informer<ObservedObject>>;
  private readonly home: Record<SourceKind, Informer<KubeObject>>;
  private readonly copies: Record<SourceKind, Informer<ObservedObject>>;
  readonly resources = new Map<string, WatchedResources>();
  private readonly toRecord: Record<SourceKind, (object: KubeObject) => ObservedObject>;
  private readonly homeRecords = new WeakMap<KubeObject, ObservedObject>();
  private readonly isOwnCopy: (labels: Record<string, string> | undefined) => boolean;
  private readonly homePrefix: string;

  constructor(
    informers: SharedInformers,
    private readonly options: ObservedStateOptions,
    handlers: ObservedStateHandlers,
  ) {
    this.isOwnCopy = ownCopyTest(options.policy);
    this.homePrefix = `${options.ferryNamespace}/`;
    this.toRecord = { Secret: metadataRecord("Secret", options.relevantKeys), ConfigMap: metadataRecord("ConfigMap", options.relevantKeys) };
    const synced = { onSynced: () => handlers.synced() };
    this.namespaces = informers.informer(
      { name: "namespaces", path: "/api/v1/namespaces", transform: namespaceInfo },
      { ...synced, onChange: (_event, name) => handlers.namespaceChanged(name) },
    );
    const metadata = (kind: SourceKind) =>
      informers.informer(
        {
          name: `${resourceOf[kind]}-metadata`,
          path: `/api/v1/${resourceOf[kind]}`,
          // Our own copies come (in full) from the copies watch only: not listing and watching them a
          // second time halves what the apiserver sends per copy written, and what Ferry keeps.
          labelSelector: notOwnCopiesSelector(options.policy),
          fieldSelector: `metadata.namespace!=${options.ferryNamespace}`,
          metadataOnly: true,
          transform: this.toRecord[kind],
          packing: metadataPacking(kind),
        },
        { ...synced, onChange: (_event, key, current, previous) => handlers.objectChanged(kind, key, current, previous) },
      );
    this.metadata = { Secret: metadata("Secret"), ConfigMap: metadata("ConfigMap") };
    // Ferry's own namespace is watched once, in full, for everyone (the registry and the hub read it too).
    const home = (kind: SourceKind) =>
      informers.informer(ferryNamespaceCollection(kind, options.ferryNamespace), {
        ...synced,
        onChange: (_event, key, current, previous) => {
          const now = this.homeRecord(kind, current);
          const before = this.homeRecord(kind, previous);
          if (now || before) handlers.objectChanged(kind, key, now, before);
        },
      });
    this.home = { Secret: home("Secret"), ConfigMap: home("ConfigMap") };
    const copies = (kind: SourceKind) =>
      informers.informer(
        { name: `${resourceOf[kind]}-copies`, path: `/api/v1/${resourceOf[kind]}`, labelSelector: ownCopiesSelector(options.policy), transform: copyRecord(kind) },
        { ...synced, onChange: (_event, key, current, previous) => handlers.copyChanged(kind, key, current, previous) },
      );
    this.copies = { Secret: copies("Secret"), ConfigMap: copies("ConfigMap") };
    for (const kind of kinds) this.copies[kind].store.indexKeys();
    const served = new Set(options.servedTypes.map(typeKey));
    for (const dialect of options.dialects) {
      for (const type of dialect.customResourceTypes ?? []) {
        if (!served.has(typeKey(type))) continue;
        const existing = this.resources.get(typeKey(type));
        if (existing) {
          existing.dialects.push(dialect);
          continue;
        }
        const informer = informers.informer(customResourceCollection(type), { ...synced, onChange: () => handlers.resourceChanged() });
        this.resources.set(typeKey(type), { type, dialects: [dialect], informer });
      }
    }
  }

  /** Every watch the engine depends on. */
  watches(): RunningWatch[] {
    return [this.namespaces, ...kinds.flatMap((kind) => [this.metadata[kind], this.home[kind], this.copies[kind]]), ...[...this.resources.values()].map((entry) => entry.informer)];
  }

  hasSynced(): boolean {
    return this.watches().every((watch) => watch.hasSynced());
  }

  /** A record of an object of Ferry's namespace as the metadata watch would keep it; none for our own copies. */
  private homeRecord(kind: SourceKind, object: KubeObject | undefined): ObservedObject | undefined {
    if (!object || this.isOwnCopy(object.metadata.labels)) return undefined;
    let record = this.homeRecords.get(object);
    if (!record) this.homeRecords.set(object, (record = this.toRecord[kind](object)));
    return record;
  }

  /** The metadata record of an object that is not our copy ("namespace/name"). */
  object(kind: SourceKind, storeKey: string): ObservedObject | undefined {
    if (storeKey.startsWith(this.homePrefix)) return this.homeRecord(kind, this.home[kind].store.get(storeKey));
    return this.metadata[kind].store.get(storeKey);
  }

  /** Our copy at "namespace/name", if any. */
  copy(kind: SourceKind, storeKey: string): ObservedObject | undefined {
    return this.copies[kind].store.get(storeKey);
  }

  /** The plan's lookup: what exists at a target key, a copy's full record first. */
  get(key: string): ObservedObject | undefined {
    const kind: SourceKind = key.startsWith("Secret/") ? "Secret" : "ConfigMap";
    let storeKey = storeKeys.get(key);
    if (storeKey === undefined) {
      // Plan passes ask for the same target keys (the same string objects) every pass: remember
      // the split, so a lookup hashes nothing new. Bounded: cleared when it outgrows any cluster.
      if (storeKeys.size > 1_000_000) storeKeys.clear();
      storeKeys.set(key, (storeKey = key.slice(kind.length + 1)));
    }
    return this.copies[kind].store.get(storeKey) ?? this.object(kind, storeKey);
  }

  *values(): Iterable<ObservedObject> {
    for (const kind of kinds) {
      for (const [key, record] of this.metadata[kind].store) yield this.copies[kind].store.get(key) ?? record;
      for (const [key, object] of this.home[kind].store) {
        const record = this.homeRecord(kind, object);
        if (record) yield this.copies[kind].store.get(key) ?? record;
      }
    }
  }

  /** Ferry copies of this cluster (from the label-selected full watches). */
  *managed(): Iterable<ObservedObject> {
    for (const kind of kinds) for (const record of this.copies[kind].store.values()) if (isFerryCopy(record.labels)) yield record;
  }

  /** Ferry copies of this cluster in these namespaces: a focused pass's pruning candidates, at the cost of those namespaces. */
  *managedIn(namespaces: Iterable<string>): Iterable<ObservedObject> {
    for (const kind of kinds) {
      const store = this.copies[kind].store;
      for (const namespace of namespaces) {
        for (const key of store.keysIn(namespace)) {
          const record = store.get(key);
          if (record && isFerryCopy(record.labels)) yield record;
        }
      }
    }
  }

  /** Ferry copies of this cluster by these names ("Kind/name"), in every namespace: a source's pass's pruning candidates. */
  *managedNamed(names: Iterable<string>): Iterable<ObservedObject> {
    for (const nameKey of names) {
      const slash = nameKey.indexOf("/");
      const store = this.copies[nameKey.slice(0, slash) as SourceKind].store;
      for (const key of store.keysNamed(nameKey.slice(slash + 1))) {
        const record = store.get(key);
        if (record && isFerryCopy(record.labels)) yield record;
      }
    }
  }

  /** Objects that may carry a dialect's keys: whole metadata records (packed ones carry no keys), Ferry's namespace, and pulled copies (they keep the keys that asked). */
  *sourceCandidates(kind: SourceKind): Iterable<ObservedObject> {
    yield* this.metadata[kind].store.wholeValues();
    for (const object of this.home[kind].store.values()) {
      const record = this.homeRecord(kind, object);
      if (record) yield record;
    }
    for (const record of this.copies[kind].store.values()) if (record.labels[PULL_LABEL] === "true") yield record;
  }

  /** The copy writer's record of our own write (so a plan never acts on state older than it). */
  recordWritten(kind: SourceKind, object: KubeObject, basedOn: string | undefined): void {
    this.copies[kind].recordWrite(object, basedOn);
    if (object.metadata.namespace === this.options.ferryNamespace) this.home[kind].recordWrite(object, basedOn);
  }

  recordDeleted(kind: SourceKind, namespace: string, name: string): void {
    const storeKey = `${namespace}/${name}`;
    this.copies[kind].recordDelete(storeKey);
    (namespace === this.options.ferryNamespace ? this.home : this.metadata)[kind].recordDelete(storeKey);
  }
}
