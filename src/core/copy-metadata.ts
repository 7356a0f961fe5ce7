// Which of a source's labels and annotations a copy carries. Copies must not look like sources
// (no dialect trigger keys) and must not be claimed by GitOps tools (no Helm/Argo/Flux tracking).
import { matchesKey } from "./key-match.js";

/** Prefixes and keys never copied from a source. */
const strippedPrefixes = [
  "ferry.dev/",
  "kubectl.kubernetes.io/",
  "meta.helm.sh/",
  "helm.sh/",
  "argocd.argoproj.io/",
  "kustomize.toolkit.fluxcd.io/",
  "helm.toolkit.fluxcd.io/",
  "fluxcd.io/",
  "kubernetes.io/",
  "k8s.io/",
  "control-plane.alpha.kubernetes.io/",
];
const strippedKeys = new Set(["app.kubernetes.io/managed-by", "app.kubernetes.io/instance", "helm.sh/chart", "heritage", "release"]);

export function isStrippedKey(key: string, extraPrefixes: readonly string[]): boolean {
  if (strippedKeys.has(key)) return true;
  for (const prefix of strippedPrefixes) if (key.startsWith(prefix)) return true;
  return matchesKey(key, extraPrefixes);
}

/**
 * The metadata a copy inherits: the source's keys minus controller-owned, tracking and trigger
 * keys; keys matching `keep` survive even if they would be stripped (e.g. a hub push that must
 * keep the mw_sec/sync annotation so the member fans it out).
 */
export function inheritedMetadata(
  source: Record<string, string>,
  triggerKeys: readonly string[],
  keep: readonly string[] = [],
): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(source)) {
    if (matchesKey(key, keep) || !isStrippedKey(key, triggerKeys)) result[key] = value;
  }
  return result;
}
