// Does a member's Ferry take the hub's copies for its own? It does when the cluster names it
// owns (published in its ConfigMap ferry-identity, which the hub sees with the Role it already
// has on the member's Ferry namespace) include the hub's name: the registration points at the
// hub itself, both run with the same --cluster-name, or the member is on the derived default
// (which also owns the legacy `local`) while the hub was explicitly named `local`. The member's
// Ferry would prune what the hub pushes; the hub holds that member and says why. Pure.
import { identityFromAnnotations, LEGACY_CLUSTER_NAME } from "../core/cluster-identity.js";
import { labelValue } from "../core/marks.js";

export interface MemberIdentity {
  /** What the member's Ferry calls its cluster; null when no Ferry published an identity there. */
  clusterName: string | null;
  /** Set when the member's Ferry owns the hub's name: the hub must not push there. */
  problem?: string;
}

export function checkMemberIdentity(annotations: Record<string, string> | undefined, hubName: string, memberName: string): MemberIdentity {
  const published = identityFromAnnotations(annotations);
  if (!published) return { clusterName: null };
  const hub = labelValue(hubName);
  if (!published.ownNames.some((name) => labelValue(name) === hub)) return { clusterName: published.name };
  const problem =
    labelValue(published.name) === hub
      ? `member ${memberName} answers with this hub's own cluster name ${JSON.stringify(hubName)}: the registration points at the hub itself, ` +
        "or both run with the same --cluster-name; its Ferry would take the hub's copies for its own and prune them, so nothing is pushed there. " +
        "Drop --cluster-name on both (the default is unique per cluster) or give them different names"
      : `member ${memberName}'s Ferry counts copies marked ${JSON.stringify(hubName)} as its own (the default name before cluster identities was ${JSON.stringify(LEGACY_CLUSTER_NAME)}), ` +
        "so it would prune what this hub pushes; nothing is pushed there. Run the hub without --cluster-name (the default is unique per cluster) or with another name";
  return { clusterName: published.name, problem };
}
