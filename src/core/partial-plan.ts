// Plans over part of the world, each deciding exactly what plan(input) decides there, at the cost
// of that part. Every target key is decided on its own: by the rules that claim it (all of them
// give copies of its name), what is observed at it, and the rule set. So restricting the inputs
// to the namespaces, or to the copy names, that a change can touch yields the full plan's actions
// for those targets. Pure.
import { copyName } from "./desired-copy.js";
import { plan, type PlanInput } from "./plan.js";
import type { Action, NamespaceInfo, ObservedObject, PlanResult, Rule, SourceKind } from "./types.js";

/**
 * What plan(input) decides for targets in the namespaces `only`, at the cost of those namespaces
 * rather than of every rule x namespace. Reports are partial: what those namespaces contribute
 * (core/report-ledger.ts replaceNamespaces).
 */
export function planSome(input: PlanInput, only: ReadonlySet<string>): PlanResult {
  const namespaces = new Map<string, NamespaceInfo>();
  for (const name of only) {
    const info = input.namespaces.get(name);
    if (info) namespaces.set(name, info);
  }
  const managed: ObservedObject[] = [];
  for (const observed of input.managed ?? input.observed.values()) if (only.has(observed.namespace)) managed.push(observed);
  return plan({ ...input, namespaces, managed });
}

/** planSome's actions alone. */
export function planNamespaces(input: PlanInput, only: ReadonlySet<string>): Action[] {
  return planSome(input, only).actions;
}

/** "Kind/name": the copies of one name, in every namespace. */
export function copyNameKey(kind: SourceKind, name: string): string {
  return `${kind}/${name}`;
}

/** The copy name key of a rule's copies. */
export function ruleCopyNameKey(rule: Rule): string {
  return copyNameKey(rule.source.kind, copyName(rule));
}

/**
 * What plan(input) decides for the copies of some names (copyNameKey), in every namespace: the
 * rules that give copies of those names and the copies of ours by those names. A source's change
 * touches the copies of its rules' names only, so it costs those copies, not the whole world. The
 * reports of the rules planned are whole (core/report-ledger.ts replaceRules).
 */
export function planCopies(input: PlanInput, names: ReadonlySet<string>): PlanResult {
  const rules = input.rules.filter((rule) => names.has(ruleCopyNameKey(rule)));
  const managed: ObservedObject[] = [];
  for (const observed of input.managed ?? input.observed.values()) if (names.has(copyNameKey(observed.kind, observed.name))) managed.push(observed);
  return plan({ ...input, rules, managed });
}
