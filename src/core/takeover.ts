// Whether a rule may write over an unmanaged object at one of its targets, and on what grounds.
// Invariant 2 (DESIGN.md): never, unless the rule says `conflict: overwrite` and the policy allows
// it, or the object provably is a copy of this very source made by the tool the rule's format
// comes from (its marks, read by the tool's CopyMarks, name this source), or the administrator
// consented to take over the unmarked copies of a tool that leaves no marks. Pure.
import { carriesKey } from "./key-match.js";
import type { ConflictPolicy, CopyMarks, ObservedObject, Policy, Rule, TakeoverClaim, Takeover } from "./types.js";

export type TakeoverDecision =
  /** `conflict: overwrite`, allowed by the policy (or a pull: the object asked for the data). */
  | { take: "overwrite" }
  | { take: "takeover"; takeover: Takeover }
  /** A tool's proof needs the object's data keys: read it, then decide. */
  | { take: "wait" }
  /** Left untouched; `why` completes the conflict's message. */
  | { take: "refuse"; why: string };

/**
 * `overwrite` only for administrators' rules unless the policy is open; pull rules were asked by
 * the object itself. `adopt` is honoured for every rule under every policy: it takes over only
 * objects whose marks prove them copies of the rule's own source.
 */
export function effectiveConflictPolicy(rule: Rule, policy: Policy): ConflictPolicy {
  if (rule.pull) return "overwrite";
  if (rule.conflict === "overwrite" && rule.scope === "tenant" && policy.mode !== "open") return "skip";
  return rule.conflict;
}

/** The consent switch's value for a dialect (`--take-over-unmarked`). */
export function consentsToUnmarked(policy: Policy, dialect: string): boolean {
  return policy.takeOverUnmarked?.includes(dialect) === true;
}

/** The tools whose marks the object carries, by dialect name. */
export function marksCarried(object: ObservedObject, copyMarks: ReadonlyMap<string, CopyMarks>): Array<[string, CopyMarks]> {
  const carried: Array<[string, CopyMarks]> = [];
  for (const entry of copyMarks) if (entry[1].keys.length > 0 && carriesKey(object, entry[1].keys)) carried.push(entry);
  return carried;
}

export function decideTakeover(object: ObservedObject, claim: TakeoverClaim, policy: Policy, copyMarks: ReadonlyMap<string, CopyMarks>): TakeoverDecision {
  const { rule } = claim;
  const conflict = effectiveConflictPolicy(rule, policy);
  if (conflict === "overwrite") return { take: "overwrite" };
  const dialect = rule.origin.dialect;
  const own = copyMarks.get(dialect);
  const carried = marksCarried(object, copyMarks);
  // A dialect's rule judges its own tool's marks; `adopt` judges every known tool's.
  const judged = conflict === "adopt" ? carried : carried.filter(([name]) => name === dialect);
  const refusals: string[] = [];
  let wait = false;
  for (const [, marks] of judged) {
    const verdict = marks.proves?.(object, claim) ?? { copy: false, why: "the tool's marks cannot be checked" };
    if (verdict.copy === true) return { take: "takeover", takeover: { tool: marks.tool, evidence: "marks" } };
    if (verdict.copy === "needs-data-keys") wait = true;
    else refusals.push(`it carries ${marks.tool}'s marks, but ${verdict.why}`);
  }
  if (wait) return { take: "wait" };
  if (refusals.length > 0) return { take: "refuse", why: refusals.join("; ") };
  if (carried.length === 0 && consentsToUnmarked(policy, dialect)) return { take: "takeover", takeover: { tool: own?.tool ?? dialect, evidence: "consent" } };
  if (rule.conflict === "overwrite") return { take: "refuse", why: `policy ${policy.mode} allows overwrite only for administrator rules` };
  if (carried.length > 0) {
    const tools = carried.map(([, marks]) => `${marks.tool}'s`).join(" and ");
    if (!own) return { take: "refuse", why: `it carries ${tools} marks: set conflict: adopt to take over a tool's copy of this source` };
    return { take: "refuse", why: `it carries ${tools} marks, not ${own.tool}'s; only conflict: adopt judges another tool's marks` };
  }
  if (own && own.keys.length === 0) {
    return { take: "refuse", why: `${own.tool} leaves no marks on its copies, so nothing proves it one: take it over with ferry run --take-over-unmarked=${dialect}, or delete it` };
  }
  if (own) return { take: "refuse", why: `it carries no ${own.tool} marks, so it is not a copy of this source` };
  return { take: "refuse", why: conflict === "adopt" ? "adopt takes over only copies whose tool's marks name this source" : "set conflict: adopt or overwrite to take it over" };
}
