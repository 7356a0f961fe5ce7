// The reports kept by namespace (core/report-ledger.ts) must say what a full pass would say:
// after any change confined to some namespaces, replacing those namespaces from a pass over them
// gives the full plan's reports exactly.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { planSome } from "../../../src/core/partial-plan.js";
import { plan, type PlanInput } from "../../../src/core/plan.js";
import { ReportLedger } from "../../../src/core/report-ledger.js";
import type { Action, NamespaceInfo } from "../../../src/core/types.js";
import { apply, ns, rule, secret, world } from "../../support/plan-fixtures.js";
import { arbitraryWorld, nsNames } from "../../support/plan-worlds.js";

const namespaceOf = (action: Action) => (action.type === "delete" ? action.namespace : action.desired.namespace);

function ledgerOf(input: PlanInput): ReportLedger {
  const full = plan({ ...input, tally: true });
  const ledger = new ReportLedger();
  ledger.replaceAll(input.rules, full.reports, full.tallies!);
  return ledger;
}

/** Writes land in some namespaces only, some of those namespaces go away and one appears. */
function changedIn(input: PlanInput, only: ReadonlySet<string>, removed: readonly string[]): PlanInput {
  const landed = apply(input, plan(input).actions.filter((action) => only.has(namespaceOf(action))));
  const namespaces = new Map<string, NamespaceInfo>(landed.namespaces);
  for (const name of removed) if (only.has(name)) namespaces.delete(name);
  if (only.has("late")) namespaces.set("late", ns("late"));
  return { ...landed, namespaces };
}

test("property: a ledger updated by namespace reports what a full pass reports", () => {
  fc.assert(
    fc.property(arbitraryWorld, fc.subarray([...nsNames, "late"]), fc.subarray(nsNames), (input, some, removed) => {
      const only = new Set(some);
      const ledger = ledgerOf(input);
      assert.deepEqual(ledger.reports(), plan(input).reports, "after a full pass");
      const after = changedIn(input, only, removed);
      const focused = planSome({ ...after, tally: true }, only);
      assert.equal(ledger.replaceNamespaces(after.rules, only, focused.reports, focused.tallies!), true);
      assert.deepEqual(ledger.reports(), plan(after).reports, "after a pass over the changed namespaces");
    }),
    { numRuns: 400 },
  );
});

test("a change outside the namespaces replaced is not in the ledger: the property above is not trivially true", () => {
  const input = world({ rules: [rule("r", "src", "db", { namespaces: ["a", "b"] })], namespaces: [ns("src"), ns("a"), ns("b")], sources: [secret("src", "db")] });
  const ledger = ledgerOf(input);
  const after = changedIn(input, new Set(["a", "b"]), []);
  const onlyA = new Set(["a"]);
  const focused = planSome({ ...after, tally: true }, onlyA);
  ledger.replaceNamespaces(after.rules, onlyA, focused.reports, focused.tallies!);
  const [report] = ledger.reports();
  assert.equal(report!.synced, 1, "a's copy landed; b's landing was never replaced");
  assert.deepEqual(report!.outcomes.map((o) => `${o.namespace} ${o.reason}`), ["b Syncing"]);
  assert.equal(plan(after).reports[0]!.synced, 2);
});

test("a pass that saw another rule set is refused: only a full pass can rebuild the reports", () => {
  const input = world({ rules: [rule("r", "src", "db", { namespaces: ["a"] })], namespaces: [ns("src"), ns("a")], sources: [secret("src", "db")] });
  const ledger = ledgerOf(input);
  const newer = { ...input, rules: [...input.rules, rule("r2", "src", "db", { namespaces: ["a"] }, { copy: { name: "other", labels: {}, annotations: {} } })] };
  const only = new Set(["a"]);
  const focused = planSome({ ...newer, tally: true }, only);
  assert.equal(ledger.describes(newer.rules), false);
  assert.equal(ledger.replaceNamespaces(newer.rules, only, focused.reports, focused.tallies!), false);
  assert.deepEqual(ledger.reports(), plan(input).reports, "unchanged");
});
