// The labels and annotations by which Ferry recognises its own copies. Ferry only ever updates
// or deletes objects that carry MANAGED_BY_LABEL = MANAGED_BY_VALUE.
import { createHash } from "node:crypto";

export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
export const MANAGED_BY_VALUE = "ferry";
export const RULE_LABEL = "ferry.dev/rule";
export const SOURCE_NAMESPACE_LABEL = "ferry.dev/source-namespace";
export const SOURCE_NAME_LABEL = "ferry.dev/source-name";
export const SOURCE_CLUSTER_LABEL = "ferry.dev/source-cluster";
/** Marks a pulled object: it asked for the data itself, so Ferry never deletes it. */
export const PULL_LABEL = "ferry.dev/pull";
export const RULE_ID_ANNOTATION = "ferry.dev/rule-id";
export const SOURCE_ANNOTATION = "ferry.dev/source";
export const CONTENT_HASH_ANNOTATION = "ferry.dev/content-hash";
/** On a copy Ferry took over from another tool at cutover: that tool's name (kept for as long as the copy lives). */
export const TAKEN_OVER_ANNOTATION = "ferry.dev/taken-over-from";

/** Namespace label/annotation by which a namespace opts in (strict policy) or out (every policy). */
export const ACCEPT_KEY = "ferry.dev/accept";
export const OPT_OUT_LABEL = "ferry.dev/opt-out";

/** Label selector that finds every copy this Ferry (cluster name) manages. */
export function managedSelector(clusterName: string): string {
  return `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE},${SOURCE_CLUSTER_LABEL}=${labelValue(clusterName)}`;
}

/** A value that fits a label (63 chars, [A-Za-z0-9._-], alphanumeric at both ends); long or odd values are hashed. */
export function labelValue(value: string): string {
  if (/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(value) && value.length <= 63) return value;
  const digest = createHash("sha256").update(value).digest("hex").slice(0, 16);
  const head = value.replace(/[^A-Za-z0-9_.-]/g, "-").slice(0, 40).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
  return head ? `${head}-${digest}` : digest;
}

/** True when metadata labels mark an object as a Ferry copy (written by any Ferry). */
export function isFerryCopy(labels: Record<string, string> | undefined): boolean {
  return labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE && labels?.[RULE_LABEL] !== undefined;
}
