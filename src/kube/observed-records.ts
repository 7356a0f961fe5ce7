// Compact records of what the watches saw (the transforms of the informers). Copies keep only their content hash (not their data);
// unrelated Secrets and ConfigMaps keep only their identity, so memory does not follow their bytes.
import { contentHash } from "../core/hash.js";
import { hasMatchingKey } from "../core/key-match.js";
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from "../core/marks.js";
import type { NamespaceInfo, ObservedObject, SourceKind, SourceObject } from "../core/types.js";
import type { KubeObject } from "./informer.js";
import type { RecordPacking } from "./record-store.js";

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

/**
 * A metadata-only record: full labels/annotations only for objects some dialect or the planner
 * cares about: those carrying a dialect's keys or a peer tool's copy marks, and Ferry's copies
 * (of other clusters: this cluster's own come from the copies watch), which plan() reports as
 * ManagedByAnotherCluster. Objects another tool manages (`app.kubernetes.io/managed-by: Helm`,
 * ...) are unrelated like any other.
 */
export function metadataRecord(kind: SourceKind, relevantKeys: readonly string[]) {
  return (object: KubeObject): ObservedObject => {
    const labels = object.metadata.labels;
    const annotations = object.metadata.annotations;
    const relevant = labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE || hasMatchingKey(labels, relevantKeys) || hasMatchingKey(annotations, relevantKeys);
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
