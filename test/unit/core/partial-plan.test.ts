// Plans over part of the world (core/partial-plan.ts) decide exactly what the full plan decides
// there; with the report ledger, a source's change re-planned over its copies alone gives the
// full plan's reports.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { planCopies, ruleCopyNameKey } from "../../../src/core/partial-plan.js";
import { objectKey, plan, type PlanInput, type SourceState } from "../../../src/core/plan.js";
import { ReportLedger } from "../../../src/core/report-ledger.js";
import type { Action } from "../../../src/core/types.js";
import { apply, secret } from "../../support/plan-fixtures.js";
import { arbitraryWorld } from "../../support/plan-worlds.js";

const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
const nameKeyOf = (action: Action) => `${action.key.slice(0, action.key.indexOf("/"))}/${action.key.slice(action.key.lastIndexOf("/") + 1)}`;

/** The source `name` (in namespace src) gets new content, or goes away. */
function sourceChanged(input: PlanInput, name: string, gone: boolean): PlanInput {
  const sources = new Map<string, SourceState>(input.sources);
  sources.set(objectKey("Secret", "src", name), gone ? "missing" : secret("src", name, { k: Buffer.from(`new ${name}`).toString("base64") }));
  return { ...input, sources };
}

/** The copy names a change of that source can touch: its rules'. */
function namesOf(input: PlanInput, name: string): Set<string> {
  return new Set(input.rules.filter((rule) => rule.source.name === name).map(ruleCopyNameKey));
}

test("property: planning the copies of some names decides exactly what the full plan decides for them", () => {
  fc.assert(
    fc.property(arbitraryWorld, fc.subarray(["Secret/s0", "Secret/s1", "Secret/s2", "Secret/c0", "Secret/c1"]), fc.array(fc.boolean(), { maxLength: 4 }), (input, some, keep) => {
      const names = new Set(some);
      const converged = apply(input, plan(input).actions);
      const changed = { ...converged, rules: converged.rules.filter((_, i) => keep[i] ?? true) };
      for (const world of [input, changed]) {
        const full = plan(world);
        const part = planCopies(world, names);
        assert.deepEqual([...part.actions].sort(byKey), full.actions.filter((action) => names.has(nameKeyOf(action))).sort(byKey));
        assert.deepEqual(part.reports, full.reports.filter((report) => names.has(ruleCopyNameKey(report.rule))));
      }
    }),
    { numRuns: 300 },
  );
});

test("property: a source's change, re-planned over its rules' copies into the ledger, reports what a full pass reports", () => {
  fc.assert(
    fc.property(arbitraryWorld, fc.constantFrom("s0", "s1", "s2"), fc.boolean(), (input, name, gone) => {
      const converged = apply(input, plan(input).actions);
      const full = plan({ ...converged, tally: true });
      const ledger = new ReportLedger();
      ledger.replaceAll(converged.rules, full.reports, full.tallies!);
      const after = sourceChanged(converged, name, gone);
      const part = planCopies({ ...after, tally: true }, namesOf(after, name));
      assert.equal(ledger.replaceRules(after.rules, part.reports, part.tallies!), true);
      assert.deepEqual(ledger.reports(), plan(after).reports);
      assert.deepEqual([...part.actions].sort(byKey), plan(after).actions.filter((action) => namesOf(after, name).has(nameKeyOf(action))).sort(byKey));
    }),
    { numRuns: 300 },
  );
});
