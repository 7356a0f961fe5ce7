// The one list of protected namespaces: they receive copies only from an administrator rule that
// names them exactly (never from a tenant rule, a glob, a selector or "all namespaces"). Pure.

/** Kubernetes' own namespaces. */
export const SYSTEM_NAMESPACES: readonly string[] = ["kube-system", "kube-public", "kube-node-lease"];

/** The protected namespaces of a Ferry whose own namespace is `ferryNamespace`. */
export function protectedNamespaces(ferryNamespace: string): string[] {
  return [...SYSTEM_NAMESPACES, ferryNamespace];
}
