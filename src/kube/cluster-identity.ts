// Finding out which cluster this is, and telling others: the identity comes from --cluster-name,
// else from the kube-system namespace's UID (core/cluster-identity.ts); Ferry publishes it as
// the ConfigMap `ferry-identity` in its namespace, where a hub (which may list ConfigMaps in the
// member's Ferry namespace) and `ferry status` read it. Written only when it differs.
import {
  derivedIdentity,
  identityAnnotations,
  identityFromAnnotations,
  namedIdentity,
  type ClusterIdentity,
} from "../core/cluster-identity.js";
import { isApiError, type KubeClient } from "./client.js";
import type { KubeObject } from "./informer.js";

export const IDENTITY_CONFIGMAP = "ferry-identity";

const identityLabels = { "app.kubernetes.io/name": "ferry", "app.kubernetes.io/component": "cluster-identity" };

export class ClusterIdentityError extends Error {
  override name = "ClusterIdentityError";
}

/** --cluster-name when given; else the UID of namespace kube-system (which every cluster has and never renames). */
export async function resolveClusterIdentity(client: KubeClient, clusterName?: string): Promise<ClusterIdentity> {
  const named = clusterName?.trim();
  if (named) return namedIdentity(named);
  let namespace: KubeObject;
  try {
    namespace = await client.get<KubeObject>("/api/v1/namespaces/kube-system");
  } catch (error) {
    throw new ClusterIdentityError(
      `cannot derive this cluster's identity from the UID of namespace kube-system (${(error as Error).message}); grant get on namespaces or set --cluster-name`,
      { cause: error },
    );
  }
  const uid = namespace.metadata.uid;
  if (!uid) throw new ClusterIdentityError("namespace kube-system has no UID; set --cluster-name");
  return derivedIdentity(uid);
}

function configMapBody(namespace: string, identity: ClusterIdentity, resourceVersion?: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: IDENTITY_CONFIGMAP, namespace, labels: identityLabels, annotations: identityAnnotations(identity), ...(resourceVersion ? { resourceVersion } : {}) },
    data: { clusterName: identity.name, origin: identity.origin, ownClusterNames: identity.ownNames.join(",") },
  };
}

function sameIdentity(object: KubeObject, identity: ClusterIdentity): boolean {
  const wanted = identityAnnotations(identity);
  const data = (object.data as Record<string, string> | undefined) ?? {};
  return Object.entries(wanted).every(([key, value]) => object.metadata.annotations?.[key] === value) && data.origin === identity.origin;
}

/** Writes the ferry-identity ConfigMap in Ferry's namespace unless it already says the same (no write on restart). */
export async function publishClusterIdentity(client: KubeClient, namespace: string, identity: ClusterIdentity): Promise<"unchanged" | "written"> {
  const path = `/api/v1/namespaces/${namespace}/configmaps/${IDENTITY_CONFIGMAP}`;
  const existing = await client.getOptional<KubeObject>(path);
  if (existing && sameIdentity(existing, identity)) return "unchanged";
  if (existing) {
    await client.request("PUT", path, { body: configMapBody(namespace, identity, existing.metadata.resourceVersion) });
  } else {
    try {
      await client.request("POST", `/api/v1/namespaces/${namespace}/configmaps`, { body: configMapBody(namespace, identity) });
    } catch (error) {
      if (!isApiError(error, 409)) throw error;
      return publishClusterIdentity(client, namespace, identity);
    }
  }
  return "written";
}

/**
 * The identity the read-only commands plan with: --cluster-name when given, else what the Ferry
 * running in `namespace` published, else the one it would derive.
 */
export async function inspectionIdentity(client: KubeClient, namespace: string, clusterName?: string): Promise<ClusterIdentity> {
  if (clusterName?.trim()) return namedIdentity(clusterName.trim());
  const object = await client.getOptional<KubeObject>(`/api/v1/namespaces/${namespace}/configmaps/${IDENTITY_CONFIGMAP}`).catch(() => undefined);
  const published = identityFromAnnotations(object?.metadata.annotations);
  if (published) {
    const origin = (object?.data as Record<string, string> | undefined)?.origin === "cluster-name flag" ? "cluster-name flag" : "kube-system namespace UID";
    return { name: published.name, origin, ownNames: published.ownNames };
  }
  return resolveClusterIdentity(client);
}
