// The rules' reports, kept up to date by namespace: a full pass sets them, a pass over some
// namespaces replaces what those namespaces contributed. So an event in one namespace costs work
// in that namespace (and the rules' counts), never a pass over the whole world to refresh a
// status. Every count of a report is a sum over targets, and a rule has at most one target per
// namespace, so what a namespace contributes to a rule is a few bits (its tally) and the outcomes
// naming it. Pure: the engine feeds it plan() results.
import type { Rule, RuleReport, TargetOutcome } from "./types.js";

/** One bit per count of RuleReport that a target adds to. */
export const TALLY_BITS = { desired: 1, synced: 2, conflicts: 4, failed: 8, takenOver: 16 } as const;
export type TallyField = keyof typeof TALLY_BITS;
const fields = Object.keys(TALLY_BITS) as TallyField[];

/** Rule id -> namespace -> the bits of TALLY_BITS that the rule's target there counted. */
export type Tallies = Map<string, Map<string, number>>;

/** Counts a rule's target into its report and, when tallies are kept, into that namespace's tally. */
export function countTarget(report: RuleReport, namespace: string, field: TallyField, tallies: Tallies | undefined): void {
  report[field] = (report[field] ?? 0) + 1;
  if (!tallies) return;
  let byNamespace = tallies.get(report.rule.id);
  if (!byNamespace) tallies.set(report.rule.id, (byNamespace = new Map()));
  byNamespace.set(namespace, (byNamespace.get(namespace) ?? 0) | TALLY_BITS[field]);
}

interface Entry {
  rule: Rule;
  problem?: RuleReport["problem"];
  counts: Record<TallyField, number>;
  tally: Map<string, number>;
  outcomes: Map<string, TargetOutcome[]>;
}

export class ReportLedger {
  /** The rule set the ledger describes (the rule index hands out one array per parse). */
  private rules: readonly Rule[] | undefined;
  private entries = new Map<string, Entry>();

  /** Does the ledger describe this rule set? A pass over another one needs a full pass first. */
  describes(rules: readonly Rule[]): boolean {
    return this.rules === rules;
  }

  /** Everything, from a full pass (its tallies are taken over, not copied). */
  replaceAll(rules: readonly Rule[], reports: readonly RuleReport[], tallies: Tallies): void {
    this.rules = rules;
    this.entries = new Map(reports.map((report) => [report.rule.id, entryOf(report, tallies)]));
  }

  /**
   * What the namespaces `only` contribute, from a pass over them (core/plan.ts planSome) that saw
   * the same rule set. False (and nothing changed) when it saw another one: plan in full.
   */
  replaceNamespaces(rules: readonly Rule[], only: ReadonlySet<string>, reports: readonly RuleReport[], tallies: Tallies): boolean {
    if (!this.describes(rules)) return false;
    for (const report of reports) {
      const entry = this.entries.get(report.rule.id);
      if (!entry) return false;
      entry.problem = report.problem;
      const fresh = tallies.get(report.rule.id);
      for (const namespace of only) {
        const before = entry.tally.get(namespace) ?? 0;
        const after = fresh?.get(namespace) ?? 0;
        if (before !== after) {
          for (const field of fields) entry.counts[field] += (after & TALLY_BITS[field] ? 1 : 0) - (before & TALLY_BITS[field] ? 1 : 0);
          if (after === 0) entry.tally.delete(namespace);
          else entry.tally.set(namespace, after);
        }
        entry.outcomes.delete(namespace);
      }
      // A pass over some namespaces also reports named namespaces it did not plan as missing: only its own count.
      for (const outcome of report.outcomes) if (only.has(outcome.namespace)) addOutcome(entry.outcomes, outcome);
    }
    return true;
  }

  /**
   * The whole reports of some rules, from a pass over their copies (core/partial-plan.ts
   * planCopies) that saw the same rule set. False (and nothing changed) when it saw another one.
   */
  replaceRules(rules: readonly Rule[], reports: readonly RuleReport[], tallies: Tallies): boolean {
    if (!this.describes(rules) || reports.some((report) => !this.entries.has(report.rule.id))) return false;
    for (const report of reports) this.entries.set(report.rule.id, entryOf(report, tallies));
    return true;
  }

  /** The reports, as a full pass would make them now (outcomes sorted by namespace). */
  reports(): RuleReport[] {
    const reports: RuleReport[] = [];
    for (const entry of this.entries.values()) {
      const outcomes = [...entry.outcomes.keys()].sort().flatMap((namespace) => entry.outcomes.get(namespace)!);
      const report: RuleReport = { rule: entry.rule, ...entry.counts, outcomes };
      if (entry.problem) report.problem = entry.problem;
      reports.push(report);
    }
    return reports;
  }
}

function entryOf(report: RuleReport, tallies: Tallies): Entry {
  const outcomes = new Map<string, TargetOutcome[]>();
  for (const outcome of report.outcomes) addOutcome(outcomes, outcome);
  const counts = { desired: report.desired, synced: report.synced, conflicts: report.conflicts, failed: report.failed, takenOver: report.takenOver ?? 0 };
  return { rule: report.rule, problem: report.problem, counts, tally: tallies.get(report.rule.id) ?? new Map(), outcomes };
}

function addOutcome(outcomes: Map<string, TargetOutcome[]>, outcome: TargetOutcome): void {
  const list = outcomes.get(outcome.namespace);
  if (list) list.push(outcome);
  else outcomes.set(outcome.namespace, [outcome]);
}
