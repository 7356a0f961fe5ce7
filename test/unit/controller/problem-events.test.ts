import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { problemEvents } from "../../../src/controller/problem-events.js";
import type { RuleReport, TargetOutcome } from "../../../src/core/types.js";
import { rule } from "../../support/plan-fixtures.js";

const conflict = (namespace: string): TargetOutcome => ({
  namespace,
  name: "db",
  state: "Conflict",
  reason: "UnmanagedObjectExists",
  message: `Secret/${namespace}/db exists and is not managed by Ferry; left untouched`,
});

const report = (outcomes: TargetOutcome[], id = "r"): RuleReport => ({ rule: rule(id, "src", "db", { allNamespaces: true }), desired: outcomes.length, synced: 0, conflicts: outcomes.length, failed: 0, outcomes });

test("a rule with several targets in conflict gives one Event per reason, naming them sorted, with the first one's message", () => {
  const events = problemEvents([report(["c", "a", "b"].map(conflict))], []);
  assert.equal(events.length, 1);
  assert.equal(events[0]!.reason, "UnmanagedObjectExists");
  assert.equal(events[0]!.message, "3 targets: a/db, b/db, c/db. a/db: Secret/a/db exists and is not managed by Ferry; left untouched");
});

test("one target keeps the single-target form", () => {
  assert.equal(problemEvents([report([conflict("a")])], [])[0]!.message, "a/db: Secret/a/db exists and is not managed by Ferry; left untouched");
});

test("the message does not depend on the order of targets, rules or errors", () => {
  const namespaces = Array.from({ length: 30 }, (_, i) => `ns-${i}`);
  fc.assert(
    fc.property(
      fc.shuffledSubarray(namespaces, { minLength: 1 }).chain((chosen) => fc.tuple(fc.constant(chosen), fc.shuffledSubarray(chosen, { minLength: chosen.length }))),
      ([chosen, shuffled]) => {
        const errors = (order: string[]) => order.map((message) => ({ origin: rule("r", "src", "db", {}).origin, reason: "InvalidSelector", message }));
        const one = problemEvents([report(chosen.map(conflict))], errors(["x", "y"]));
        const other = problemEvents([report(shuffled.map(conflict))], errors(["y", "x"]));
        assert.deepEqual(one.map((e) => [e.key, e.message]).sort(), other.map((e) => [e.key, e.message]).sort());
      },
    ),
  );
});

test("many targets are counted, and the first ten named", () => {
  const events = problemEvents([report(Array.from({ length: 25 }, (_, i) => conflict(`ns-${String(i).padStart(2, "0")}`)))], []);
  assert.match(events[0]!.message, /^25 targets: ns-00\/db, ns-01\/db, .*ns-09\/db, and 15 more\. ns-00\/db: /);
});

test("rules of one object and their problems share the object's Events; SourcePending and pending targets give none", () => {
  const first = report([conflict("a")], "r1");
  const second: RuleReport = { ...report([conflict("b"), { namespace: "c", name: "db", state: "Pending", reason: "Syncing", message: "write queued" }], "r2") };
  const pending: RuleReport = { ...report([], "r3"), problem: { reason: "SourcePending", message: "reading the source" } };
  const missing: RuleReport = { ...report([], "r4"), problem: { reason: "SourceNotFound", message: "Secret src/db does not exist" } };
  const events = problemEvents([first, second, pending, missing], []);
  // The fixtures' rules each have their own origin (a ClusterDistribution named by the id).
  assert.deepEqual(events.map((e) => `${e.target.name} ${e.reason}`).sort(), ["r1 UnmanagedObjectExists", "r2 UnmanagedObjectExists", "r4 SourceNotFound"]);
  const shared = [first, second].map((r) => ({ ...r, rule: { ...r.rule, origin: first.rule.origin } }));
  const merged = problemEvents(shared, [{ origin: first.rule.origin, reason: "InvalidSelector", message: "bad" }, { origin: first.rule.origin, reason: "InvalidSelector", message: "also bad" }]);
  assert.deepEqual(merged.map((e) => `${e.reason}: ${e.message}`).sort(), [
    "InvalidSelector: 2 problems: also bad; bad",
    "UnmanagedObjectExists: 2 targets: a/db, b/db. a/db: Secret/a/db exists and is not managed by Ferry; left untouched",
  ]);
});
