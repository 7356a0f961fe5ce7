// Compact records of what the watches saw. Copies keep only their content hash (not their data);
// unrelated Secrets and ConfigMaps keep only their identity, so memory does not follow their bytes.
import { contentHash } from "../core/hash.js";
import { hasMatchingKey } from "../core/key-match.js";
import { MANAGED_BY_LABEL, isFerryCopy } from "../core/marks.js";
import { objectKey, type ObservedLookup } from "../core/plan.js";
import type { NamespaceInfo, ObservedObject, SourceKind, SourceObject } from "../core/types.js";
import type { CustomResource } from "../dialects/dialect.js";
import type { KubeObject } from "../kube/informer.js";
import type { RecordPacking } from "../kube/record-store.js";

const empty: Record<string, string> = Object.freeze({}) as Record<string, string>;
const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

export function namespaceInfo(object: KubeObject): NamespaceInfo {
  return {
    name: object.metadata.name,
    labels: object.metadata.labels ?? {},
    annotations: withoutLastApplied(object.metadata.annotations),
    terminating: Boolean(object.metadata.deletionTimestamp) || (object.status as { phase?: string } | undefined)?.phase === "Terminating",
  };
}

function withoutLastApplied(annotations: Record<string, string> | undefined): Record<string, string> {
  if (!annotations) return empty;
  if (!(LAST_APPLIED in annotations)) return annotations;
  const { [LAST_APPLIED]: _dropped, ...rest } = annotations;
  return rest;
}

/** A metadata-only record: full labels/annotations only for objects some dialect or the planner cares about. */
export function metadataRecord(kind: SourceKind, relevantKeys: readonly string[]) {
  return (object: KubeObject): ObservedObject => {
    const labels = object.metadata.labels;
    const annotations = object.metadata.annotations;
    const relevant = labels?.[MANAGED_BY_LABEL] !== undefined || hasMatchingKey(labels, relevantKeys) || hasMatchingKey(annotations, relevantKeys);
    return {
      kind,
      namespace: object.metadata.namespace ?? "",
      name: object.metadata.name,
      resourceVersion: object.metadata.resourceVersion,
      uid: object.metadata.uid,
      labels: relevant ? (labels ?? empty) : empty,
      annotations: relevant ? withoutLastApplied(annotations) : empty,
    };
  };
}

/**
 * Metadata records of objects with no relevant label or annotation are kept as their
 * resourceVersion alone: that they exist (a copy must not overwrite them) and their version (a
 * rule may name them as its source) is all Ferry needs of them. Their uid is not kept.
 */
export function metadataPacking(kind: SourceKind): RecordPacking<ObservedObject> {
  return {
    pack: (record) =>
      record.labels === empty && record.annotations === empty && record.contentHash === undefined && record.immutable === undefined ? (record.resourceVersion ?? "") : record,
    unpack: (key, resourceVersion) => {
      const slash = key.indexOf("/");
      return { kind, namespace: key.slice(0, slash), name: key.slice(slash + 1), resourceVersion: resourceVersion || undefined, labels: empty, annotations: empty };
    },
    versionOf: (record) => record.resourceVersion,
  };
}

/** A copy: identity, metadata and the hash of its full content; the data itself is dropped. */
export function copyRecord(kind: SourceKind) {
  return (object: KubeObject): ObservedObject => ({
    kind,
    namespace: object.metadata.namespace ?? "",
    name: object.metadata.name,
    resourceVersion: object.metadata.resourceVersion,
    uid: object.metadata.uid,
    labels: object.metadata.labels ?? empty,
    annotations: object.metadata.annotations ?? empty,
    immutable: object.immutable === true,
    contentHash: contentHash({
      type: object.type as string | undefined,
      data: (object.data as Record<string, string> | undefined) ?? {},
      binaryData: object.binaryData as Record<string, string> | undefined,
      immutable: object.immutable === true ? true : undefined,
      labels: object.metadata.labels ?? {},
      annotations: object.metadata.annotations ?? {},
    }),
  });
}

export function sourceObject(kind: SourceKind, object: KubeObject): SourceObject {
  return {
    kind,
    namespace: object.metadata.namespace ?? "",
    name: object.metadata.name,
    uid: object.metadata.uid,
    resourceVersion: object.metadata.resourceVersion,
    labels: object.metadata.labels ?? {},
    annotations: withoutLastApplied(object.metadata.annotations),
    type: kind === "Secret" ? ((object.type as string | undefined) ?? "Opaque") : undefined,
    data: (object.data as Record<string, string> | undefined) ?? {},
    binaryData: object.binaryData as Record<string, string> | undefined,
    immutable: object.immutable === true ? true : undefined,
  };
}

const storeKeys = new Map<string, string>();

/** Plan's view of observed objects: a copy's full record wins over its metadata-only record. */
export class ObservedView implements ObservedLookup {
  constructor(
    private readonly metadata: Record<SourceKind, ReadonlyMap<string, ObservedObject>>,
    private readonly copies: Record<SourceKind, ReadonlyMap<string, ObservedObject>>,
  ) {}

  get(key: string): ObservedObject | undefined {
    const kind = key.startsWith("Secret/") ? "Secret" : "ConfigMap";
    let rest = storeKeys.get(key);
    if (rest === undefined) {
      // Plan passes ask for the same target keys (the same string objects) every pass: remember
      // the split, so a lookup hashes nothing new. Bounded: cleared when it outgrows any cluster.
      if (storeKeys.size > 1_000_000) storeKeys.clear();
      storeKeys.set(key, (rest = key.slice(key.indexOf("/") + 1)));
    }
    return this.copies[kind]?.get(rest) ?? this.metadata[kind]?.get(rest);
  }

  *values(): Iterable<ObservedObject> {
    for (const kind of ["Secret", "ConfigMap"] as const) {
      for (const [key, record] of this.metadata[kind]) yield this.copies[kind].get(key) ?? record;
    }
  }

  /** Ferry copies of this cluster (from the label-selected full watches). */
  *managed(): Iterable<ObservedObject> {
    for (const kind of ["Secret", "ConfigMap"] as const) {
      for (const record of this.copies[kind].values()) if (isFerryCopy(record.labels)) yield record;
    }
  }

  static key(kind: SourceKind, namespace: string, name: string): string {
    return objectKey(kind, namespace, name);
  }
}

/** A custom resource as dialects see it: every top-level field, metadata with defaults filled in. */
export function toCustomResource(object: KubeObject): CustomResource {
  return {
    ...object,
    apiVersion: object.apiVersion ?? "",
    kind: object.kind ?? "",
    metadata: {
      name: object.metadata.name,
      namespace: object.metadata.namespace,
      uid: object.metadata.uid,
      labels: object.metadata.labels ?? {},
      annotations: object.metadata.annotations ?? {},
      creationTimestamp: object.metadata.creationTimestamp,
      resourceVersion: object.metadata.resourceVersion,
      generation: object.metadata.generation,
    },
    spec: object.spec,
    status: object.status,
  };
}
