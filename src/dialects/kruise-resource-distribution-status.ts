// The status of an OpenKruise ResourceDistribution as OpenKruise writes it: desired, succeeded
// and failed counts, observedGeneration, and its six conditions in its own order (each True with
// the failed namespaces, or False "Succeeded"); Ferry adds SpecInvalid, DistributionDenied and
// NamespaceTerminating only when they are true, and takenOver after a cutover.
import type { RuleError, RuleReport, TargetOutcome } from "../core/types.js";
import type { CustomResource } from "./dialect.js";
import { isRecord, truncate } from "./input.js";
import { totals } from "./resource-status.js";
import { addUnique } from "./rule-building.js";

/** The six OpenKruise condition types, in OpenKruise's own order. */
export const RESOURCE_DISTRIBUTION_CONDITIONS = [
  "GetResourceFailed",
  "CreateResourceFailed",
  "UpdateResourceFailed",
  "DeleteResourceFailed",
  "ConflictOccurred",
  "NamespaceNotExists",
] as const;
type KruiseConditionType = (typeof RESOURCE_DISTRIBUTION_CONDITIONS)[number];
/** Ferry-only conditions, present only when true (OpenKruise has no equivalent). */
type FerryConditionType = "SpecInvalid" | "DistributionDenied" | "NamespaceTerminating";

interface ConditionDraft {
  namespaces: string[];
  reason?: string;
  message?: string;
}

function failedConditionFor(outcome: TargetOutcome): KruiseConditionType {
  // The plan's reasons say which write failed (e.g. "UpdateFailed"); fall back to the message.
  const reason = outcome.reason.toLowerCase();
  const message = outcome.message.toLowerCase();
  if (reason.includes("delete") || /\bdelet/.test(message)) return "DeleteResourceFailed";
  if (/update|replace|patch/.test(reason) || /\b(updat|replac|patch)/.test(message)) return "UpdateResourceFailed";
  if (/^(get|read)/.test(reason) || /\b(get|read)\b/.test(message)) return "GetResourceFailed";
  return "CreateResourceFailed";
}

function conditionTypeFor(outcome: TargetOutcome): KruiseConditionType | FerryConditionType | undefined {
  switch (outcome.state) {
    case "Conflict":
      return "ConflictOccurred";
    case "NamespaceNotFound":
      return "NamespaceNotExists";
    case "Failed":
      return failedConditionFor(outcome);
    case "Denied":
      return "DistributionDenied";
    case "NamespaceTerminating":
      return "NamespaceTerminating";
    default:
      return undefined;
  }
}

export function resourceDistributionStatus(resource: CustomResource, reports: RuleReport[], errors: RuleError[]): Record<string, unknown> {
  const sum = totals(reports);
  const drafts = new Map<string, ConditionDraft>();
  const draft = (type: string): ConditionDraft => {
    let entry = drafts.get(type);
    if (!entry) {
      entry = { namespaces: [] };
      drafts.set(type, entry);
    }
    return entry;
  };
  for (const report of reports) {
    if (report.problem) {
      const entry = draft("GetResourceFailed");
      entry.reason ??= report.problem.reason;
      entry.message ??= report.problem.message;
    }
    const outcomes = [...report.outcomes].sort((a, b) => (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0));
    for (const outcome of outcomes) {
      const type = conditionTypeFor(outcome);
      if (!type) continue;
      const entry = draft(type);
      addUnique(entry.namespaces, outcome.namespace);
      entry.reason ??= outcome.reason;
      entry.message ??= outcome.message;
    }
  }
  const conditions: Array<Record<string, unknown>> = [];
  for (const type of RESOURCE_DISTRIBUTION_CONDITIONS) {
    const entry = drafts.get(type);
    const namespaces = [...(entry?.namespaces ?? [])].sort();
    if (!entry) {
      conditions.push({ type, status: "False", reason: "Succeeded", message: "" });
      continue;
    }
    const condition: Record<string, unknown> = {
      type,
      status: "True",
      reason: entry.reason ?? type,
      message: entry.message ?? "",
    };
    if (namespaces.length > 0) condition.failedNamespace = namespaces;
    conditions.push(condition);
  }
  for (const type of ["DistributionDenied", "NamespaceTerminating"] as const) {
    const entry = drafts.get(type);
    if (!entry) continue;
    conditions.push({
      type,
      status: "True",
      reason: entry.reason ?? type,
      message: entry.message ?? "",
      failedNamespace: [...entry.namespaces].sort(),
    });
  }
  if (errors.length > 0) {
    conditions.push({
      type: "SpecInvalid",
      status: "True",
      reason: errors[0]!.reason,
      message: truncate(errors.map((error) => error.message).join("; "), 1024),
    });
  }
  const status: Record<string, unknown> = {
    desired: sum.desired,
    succeeded: sum.synced,
    failed: Math.max(0, sum.desired - sum.synced),
    conditions,
  };
  // Copies taken over from OpenKruise at cutover; a Ferry-only field, absent until there are some.
  if (sum.takenOver > 0) status.takenOver = sum.takenOver;
  const generation = isRecord(resource.metadata) ? resource.metadata.generation : undefined;
  if (typeof generation === "number") status.observedGeneration = generation;
  return status;
}
