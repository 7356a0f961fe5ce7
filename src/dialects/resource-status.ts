// The status subresource of a dialect's custom resource, from the reports of its rules: a Ready
// condition and one condition per error reason. Pure.
import type { RuleError, RuleReport } from "../core/types.js";
import type { CustomResource } from "./dialect.js";
import { isRecord, truncate } from "./input.js";

/** A Kubernetes-style condition, without lastTransitionTime (the controller adds it). */
export interface StatusCondition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
}

export interface ReportTotals {
  desired: number;
  synced: number;
  conflicts: number;
  failed: number;
  takenOver: number;
}

export function totals(reports: readonly RuleReport[]): ReportTotals {
  const sum: ReportTotals = { desired: 0, synced: 0, conflicts: 0, failed: 0, takenOver: 0 };
  for (const report of reports) {
    sum.desired += report.desired;
    sum.synced += report.synced;
    sum.conflicts += report.conflicts;
    sum.failed += report.failed;
    sum.takenOver += report.takenOver ?? 0;
  }
  return sum;
}

/** Readable reason strings for condition reasons (CamelCase, no spaces), e.g. from RuleError.reason. */
export function conditionReason(reason: string): string {
  const cleaned = reason.replace(/[^A-Za-z0-9_]/g, "");
  return cleaned === "" ? "Unknown" : /^[A-Za-z]/.test(cleaned) ? cleaned : `R${cleaned}`;
}

/**
 * Generic status for a dialect custom resource: a `Ready` condition summarising the reports,
 * then one condition per distinct error reason (e.g. `UnsupportedTemplateFeature`). Deterministic.
 */
export function genericStatus(
  resource: CustomResource,
  reports: readonly RuleReport[],
  errors: readonly RuleError[],
): Record<string, unknown> {
  const sum = totals(reports);
  const problems = reports.filter((report) => report.problem !== undefined);
  const conditions: StatusCondition[] = [];
  let ready: StatusCondition;
  if (errors.length > 0) {
    const first = errors[0]!;
    ready = { type: "Ready", status: "False", reason: conditionReason(first.reason), message: first.message };
  } else if (problems.length > 0) {
    const first = problems[0]!.problem!;
    ready = { type: "Ready", status: "False", reason: conditionReason(first.reason), message: first.message };
  } else if (sum.conflicts > 0 || sum.failed > 0) {
    ready = {
      type: "Ready",
      status: "False",
      reason: sum.failed > 0 ? "Failed" : "Conflict",
      message: `${sum.synced} of ${sum.desired} copies synced, ${sum.conflicts} in conflict, ${sum.failed} failed`,
    };
  } else if (sum.synced < sum.desired) {
    ready = { type: "Ready", status: "False", reason: "Pending", message: `${sum.synced} of ${sum.desired} copies synced` };
  } else {
    ready = { type: "Ready", status: "True", reason: "Synced", message: `${sum.synced} of ${sum.desired} copies synced` };
  }
  conditions.push(ready);
  const byReason = new Map<string, string[]>();
  for (const error of errors) {
    const reason = conditionReason(error.reason);
    const list = byReason.get(reason) ?? [];
    list.push(error.message);
    byReason.set(reason, list);
  }
  for (const [reason, messages] of [...byReason.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    conditions.push({ type: reason, status: "True", reason, message: truncate(messages.join("; "), 1024) });
  }
  const status: Record<string, unknown> = {
    desired: sum.desired,
    synced: sum.synced,
    conflicts: sum.conflicts,
    failed: sum.failed,
    conditions,
  };
  // Copies taken over from the tool at cutover; absent until there are some (MTO's own status has no such field).
  if (sum.takenOver > 0) status.takenOver = sum.takenOver;
  const generation = isRecord(resource.metadata) ? resource.metadata.generation : undefined;
  if (typeof generation === "number") status.observedGeneration = generation;
  return status;
}
