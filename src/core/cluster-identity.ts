// A cluster's identity: the name Ferry writes into its copies' ferry.dev/source-cluster label,
// and the names it recognises there as its own. Pure.
//
// Without --cluster-name the name is the UID of the cluster's kube-system namespace: unique per
// cluster with no configuration, so a hub and its members never take each other's copies for
// their own (invariant 8). Before identities were derived every Ferry defaulted to `local`; a
// Ferry on the derived default still counts copies labelled `local` as its own, so an upgrade
// updates and prunes them instead of leaving them as another cluster's.
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, SOURCE_CLUSTER_LABEL, isFerryCopy, labelValue } from "./marks.js";
import type { Policy } from "./types.js";

/** The default cluster name of every Ferry before identities were derived per cluster. */
export const LEGACY_CLUSTER_NAME = "local";

/** Annotations of the identity a Ferry publishes in its namespace (ConfigMap ferry-identity). */
export const CLUSTER_NAME_ANNOTATION = "ferry.dev/cluster-name";
export const OWN_CLUSTER_NAMES_ANNOTATION = "ferry.dev/own-cluster-names";

export type IdentityOrigin = "cluster-name flag" | "kube-system namespace UID";

export interface ClusterIdentity {
  /** Written on every copy (ferry.dev/source-cluster). */
  name: string;
  origin: IdentityOrigin;
  /** Names in the source-cluster label that mark this cluster's own copies (the name first). */
  ownNames: string[];
}

/** --cluster-name given: that name and nothing else is this cluster's. */
export function namedIdentity(name: string): ClusterIdentity {
  return { name, origin: "cluster-name flag", ownNames: [name] };
}

/** The default: kube-system's UID, and the legacy default name for copies written before it. */
export function derivedIdentity(kubeSystemUid: string): ClusterIdentity {
  return { name: kubeSystemUid, origin: "kube-system namespace UID", ownNames: [kubeSystemUid, LEGACY_CLUSTER_NAME] };
}

/** Label values that mark this Ferry's own copies. */
export function ownClusterLabelValues(policy: Pick<Policy, "clusterName" | "ownClusterNames">): string[] {
  const names = policy.ownClusterNames && policy.ownClusterNames.length > 0 ? policy.ownClusterNames : [policy.clusterName];
  return [...new Set([labelValue(policy.clusterName), ...names.map(labelValue)])];
}

/**
 * The one test of "this is our copy": a Ferry copy whose source-cluster label is one of ours.
 * Build it once per plan pass; it is called for every observed copy.
 */
export function ownCopyTest(policy: Pick<Policy, "clusterName" | "ownClusterNames">): (labels: Record<string, string> | undefined) => boolean {
  const values = ownClusterLabelValues(policy);
  if (values.length === 1) {
    const only = values[0];
    return (labels) => isFerryCopy(labels) && labels![SOURCE_CLUSTER_LABEL] === only;
  }
  const set = new Set(values);
  return (labels) => isFerryCopy(labels) && set.has(labels![SOURCE_CLUSTER_LABEL] ?? "");
}

/** Label selector of every copy this Ferry owns. */
export function ownCopiesSelector(policy: Pick<Policy, "clusterName" | "ownClusterNames">): string {
  const values = ownClusterLabelValues(policy);
  const cluster = values.length === 1 ? `${SOURCE_CLUSTER_LABEL}=${values[0]}` : `${SOURCE_CLUSTER_LABEL} in (${values.join(",")})`;
  return `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE},${cluster}`;
}

/** Label selector of everything that is not this Ferry's own copy (other clusters' copies included). */
export function notOwnCopiesSelector(policy: Pick<Policy, "clusterName" | "ownClusterNames">): string {
  return `${SOURCE_CLUSTER_LABEL} notin (${ownClusterLabelValues(policy).join(",")})`;
}

/** Annotations by which a Ferry publishes its identity (read by hubs, `ferry status`). */
export function identityAnnotations(identity: ClusterIdentity): Record<string, string> {
  return { [CLUSTER_NAME_ANNOTATION]: identity.name, [OWN_CLUSTER_NAMES_ANNOTATION]: identity.ownNames.join(",") };
}

/** The identity a Ferry published, from its ConfigMap's annotations; undefined when there is none. */
export function identityFromAnnotations(annotations: Record<string, string> | undefined): Pick<ClusterIdentity, "name" | "ownNames"> | undefined {
  const name = annotations?.[CLUSTER_NAME_ANNOTATION]?.trim();
  if (!name) return undefined;
  const own = (annotations?.[OWN_CLUSTER_NAMES_ANNOTATION] ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  return { name, ownNames: own.includes(name) ? own : [name, ...own] };
}
