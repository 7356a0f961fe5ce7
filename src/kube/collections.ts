// The collections Ferry watches that more than one part of it needs, named once so that every part
// asks the shared informers (shared-informers.ts) for the same one.
import type { SourceKind } from "../core/types.js";
import type { KubeObject } from "./informer.js";
import type { Collection } from "./shared-informers.js";

/** What Ferry needs to know of a custom resource type to watch it and write its status. */
export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

export const resourceOf: Record<SourceKind, "secrets" | "configmaps"> = { Secret: "secrets", ConfigMap: "configmaps" };

/** API path of a custom resource collection, or of one object in it. */
export function customResourcePath(type: ResourceType, namespace?: string, name?: string): string {
  const base = `/apis/${type.group}/${type.version}`;
  const scoped = type.namespaced && namespace ? `${base}/namespaces/${namespace}/${type.plural}` : `${base}/${type.plural}`;
  return name ? `${scoped}/${name}` : scoped;
}

/**
 * Every Secret (or ConfigMap) of Ferry's own namespace, in full: the registry reads its
 * configuration there, the hub its registrations and pushes, the engine its sources there.
 */
export function ferryNamespaceCollection(kind: SourceKind, ferryNamespace: string): Collection<KubeObject> {
  return { name: `${resourceOf[kind]}@${ferryNamespace}`, path: `/api/v1/namespaces/${ferryNamespace}/${resourceOf[kind]}` };
}

/** Every object of a custom resource type, in full (the engine's dialects, the hub's ClusterDistributions). */
export function customResourceCollection(type: ResourceType): Collection<KubeObject> {
  return { name: `${type.plural}.${type.group}`, path: customResourcePath(type) };
}
