// What the hub says about one member: a summary of the member's plan, readable messages for what
// went wrong (never a credential: every message passes through redact()), and the MemberStatus
// built from them. Pure.
import { redact } from "../core/redact.js";
import type { RuleReport } from "../core/types.js";
import { CloudTokenError } from "../cloud/cluster-token.js";
import { ApiError } from "../kube/client.js";
import type { FailingTarget, MemberStatus } from "./status.js";

const maxFailingTargets = 10;

/** Errors that mean "the member's API server did not answer". */
export function isContactError(error: Error): boolean {
  if (error instanceof CloudTokenError) return false; // the hub could not mint its token: the member was not asked
  if (!(error instanceof ApiError)) return true;
  return error.status === 0 || error.status === 502 || error.status === 503 || error.status === 504;
}

/** A readable, redacted message for an error talking to a member while doing `what` (a watch's description, or "write"). */
export function explainMemberError(error: Error, what: string, member: string, memberNamespace: string, nativeCredential?: string): string {
  let message: string;
  if (error instanceof ApiError && error.status === 403) {
    message = `forbidden: the hub's credential may not ${what === "write" ? "write there" : what} on member ${member}; the member must grant the hub the Role in docs/multicluster.md (${error.message})`;
  } else if (error instanceof ApiError && error.status === 401) {
    message = nativeCredential
      ? `unauthorized: member ${member} rejected ${nativeCredential}: check the cluster name (or server application) and that the member maps this identity to a user bound to the Role in docs/multicluster.md (${error.message})`
      : `unauthorized: member ${member} rejected the hub's credential (expired or revoked?) (${error.message})`;
  } else if (error instanceof ApiError && error.status === 404 && what === "write" && /namespaces? "?[a-z0-9-]+"? not found/.test(error.message)) {
    message = `namespace not found on member ${member}: start Ferry there or create its namespace ${memberNamespace} (${error.message})`;
  } else if (isContactError(error)) {
    message = `member ${member} unreachable: ${error.message === "aborted" ? "the connection was closed" : error.message}`;
  } else {
    message = error.message;
  }
  return redact(message);
}

export interface PlanSummary {
  desired: number;
  synced: number;
  conflicts: number;
  failed: number;
  /** Writes the plan wants. */
  pending: number;
  /** Rules held (their copies untouched) until the member can be seen cluster-wide. */
  held: number;
  failing: FailingTarget[];
}

export function summarize(reports: readonly RuleReport[], pending: number): PlanSummary {
  const summary: PlanSummary = { desired: 0, synced: 0, conflicts: 0, failed: 0, pending, held: 0, failing: [] };
  const fail = (target: FailingTarget) => {
    if (summary.failing.length < maxFailingTargets) summary.failing.push(target);
  };
  for (const report of reports) {
    summary.desired += report.desired;
    summary.synced += report.synced;
    summary.conflicts += report.conflicts;
    summary.failed += report.failed;
    if (report.problem) {
      if (report.problem.reason === "SourcePending") summary.held++;
      fail({ rule: report.rule.id, state: "Problem", reason: report.problem.reason, message: report.problem.message });
    }
    for (const outcome of report.outcomes) {
      if (outcome.state === "Synced" || (outcome.state === "Pending" && outcome.reason === "Syncing")) continue;
      fail({ rule: report.rule.id, namespace: outcome.namespace, name: outcome.name, state: outcome.state, reason: outcome.reason, message: outcome.message });
    }
  }
  return summary;
}

/** Which error to show first: the push target's watches, then writes, then the cluster view's. */
function rank(id: string): number {
  if (id.startsWith("ferry-namespace")) return 0;
  if (id === "write") return 1;
  if (id === "namespaces" || id.startsWith("metadata-")) return 2;
  return 3;
}

export interface MemberFacts {
  name: string;
  registration: string;
  server?: string;
  /** A client exists (the registration could be used). */
  connected: boolean;
  /** Why there is no client (bad registration, failed authentication). */
  clientProblem?: string;
  /** The member's Ferry answers with the hub's own identity (nothing is pushed). */
  identityProblem?: string;
  /** The identity the member's Ferry published (ferry-identity), if any. */
  clusterName: string | null;
  /** Current errors of watches and writes, by id. */
  errors: ReadonlyMap<string, { message: string; contact: boolean }>;
  /** The watches of the push target (the member's Ferry namespace) are healthy. */
  pushTargetHealthy: boolean;
  planned?: PlanSummary;
  /** Failed writes by target key. */
  failures: ReadonlyMap<string, { message: string }>;
  /** Rules target the member cluster-wide but the credential cannot read it so. */
  clusterViewRefused: boolean;
}

/** The member's status, and whether it is in sync now (the caller keeps lastSyncTime). */
export function memberStatus(facts: MemberFacts, lastSyncTime: string | null): MemberStatus {
  const { planned } = facts;
  // Any watch or write that could not reach the member (errors of watches that recovered are already gone).
  const reachable = facts.connected && ![...facts.errors.values()].some((entry) => entry.contact);
  const inSync = reachable && facts.pushTargetHealthy && planned !== undefined && planned.pending === 0 && planned.failed === 0 && planned.held === 0 && facts.failures.size === 0;
  let lastError: string | null = null;
  if (facts.clientProblem) lastError = facts.clientProblem;
  else if (facts.connected && facts.identityProblem) lastError = facts.identityProblem;
  else if (facts.connected) {
    const errors = [...facts.errors.entries()].sort(([a], [b]) => rank(a) - rank(b));
    if (errors.length > 0) lastError = errors[0]![1].message;
    else if (facts.failures.size > 0) {
      const first = facts.failures.values().next().value!;
      lastError = facts.failures.size > 1 ? `${first.message} (and ${facts.failures.size - 1} more failing writes)` : first.message;
    } else if (planned && planned.held > 0 && facts.clusterViewRefused) {
      lastError = `ClusterDistributions target member ${facts.name}, but the hub's credential cannot read it cluster-wide`;
    }
  }
  return {
    name: facts.name,
    registration: facts.registration,
    server: facts.server,
    clusterName: facts.clusterName,
    reachable,
    lastSyncTime,
    objectsInSync: planned?.synced ?? 0,
    objectsDesired: planned?.desired ?? 0,
    conflicts: planned?.conflicts ?? 0,
    inSync,
    lastError,
    failingTargets: planned?.failing ?? [],
  };
}
