// Copies of an object that cannot be read are held: neither updated nor pruned, found by their
// rule-id annotation, with nothing remembered (so a restart gives the same plan).
import assert from "node:assert/strict";
import { test } from "node:test";
import { HeldOrigins, heldCopiesError, unreadableOrigin } from "../../../src/core/held-copies.js";
import { RULE_ID_ANNOTATION } from "../../../src/core/marks.js";
import { planNamespaces } from "../../../src/core/partial-plan.js";
import { plan } from "../../../src/core/plan.js";
import { isRuleOf, originId, ruleId } from "../../../src/core/rule-id.js";
import type { ObservedObject, Rule, RuleOrigin } from "../../../src/core/types.js";
import { apply, ns, rule, secret, world } from "../../support/plan-fixtures.js";

const namespaces = ["src", "a", "b", "c"].map((name) => ns(name));
const origin: RuleOrigin = { dialect: "native", apiVersion: "v1", kind: "Secret", namespace: "src", name: "db" };
const annotationRule = (targets: Partial<Rule["targets"]>): Rule =>
  rule(ruleId("native", "Secret", "src", "db"), "src", "db", targets, { origin, scope: "tenant" });

/** The world after the rule's copies were written, with the source then changed. */
function converged(targets: Partial<Rule["targets"]>) {
  const first = world({ rules: [annotationRule(targets)], namespaces, sources: [secret("src", "db")] });
  const written = apply(first, plan(first).actions);
  const copies = [...written.observed.values()].filter((object) => object.annotations[RULE_ID_ANNOTATION] !== undefined);
  return { written, copies };
}

test("rule ids start with their origin's id; nothing else matches it", () => {
  assert.equal(originId(origin), "native/Secret/src/db");
  assert.equal(originId({ dialect: "stakater", kind: "TemplateGroupInstance", name: "tgi" }), "stakater/TemplateGroupInstance/tgi");
  assert.ok(isRuleOf("native/Secret/src/db", "native/Secret/src/db"));
  assert.ok(isRuleOf("stakater/TemplateGroupInstance/tgi/Secret/default/registry", "stakater/TemplateGroupInstance/tgi"));
  assert.ok(!isRuleOf("native/Secret/src/db2", "native/Secret/src/db"));
  assert.ok(!isRuleOf("stakater/TemplateGroupInstance/tgi-2/Secret/default/registry", "stakater/TemplateGroupInstance/tgi"));
});

test("an object that now yields only errors holds its copies: no update, no delete, counted", () => {
  const { written, copies } = converged({ namespaces: ["a", "b"] });
  assert.equal(copies.length, 2);
  // The source changed and the object became unreadable: its rule is gone, its errors hold.
  const broken = { ...written, rules: [], sources: new Map([...written.sources].map(([key]) => [key, secret("src", "db", { k: "Y2hhbmdlZA==" })])), held: [origin] };
  const result = plan(broken);
  assert.deepEqual(result.actions, []);
  assert.deepEqual(result.held, [{ origin, copies: 2 }]);
  assert.deepEqual(planNamespaces(broken, new Set(["a", "b"])), [], "a focused pass holds them too");
  // Without the hold (the object deleted, or readable and asking for nothing) the copies go.
  const deleted = plan({ ...broken, held: [] });
  assert.deepEqual(deleted.actions.map((action) => `${action.type} ${action.key}`).sort(), ["delete Secret/a/db", "delete Secret/b/db"]);
  assert.equal(deleted.held, undefined);
});

test("an object with an unreadable item holds the copies its remaining rule no longer claims, and updates the rest", () => {
  const { written } = converged({ namespaces: ["a", "b"] });
  const narrowed = { ...written, rules: [annotationRule({ namespaces: ["a"] })], held: [origin] };
  const result = plan(narrowed);
  assert.deepEqual(result.actions, [], "a stays in sync, b is held rather than pruned");
  assert.deepEqual(result.held, [{ origin, copies: 1 }]);
  const changed = plan({ ...narrowed, sources: new Map([...narrowed.sources].map(([key]) => [key, secret("src", "db", { k: "bmV3" })])) });
  assert.deepEqual(changed.actions.map((action) => `${action.type} ${action.key}`), ["update Secret/a/db"]);
});

test("another rule wanting a held copy's target reports a conflict instead of taking it over", () => {
  const { written } = converged({ namespaces: ["a"] });
  const other = rule("native/ClusterDistribution/other", "src", "db", { namespaces: ["a", "c"] }, { origin: { dialect: "native", apiVersion: "ferry.dev/v1alpha1", kind: "ClusterDistribution", name: "other" } });
  const result = plan({ ...written, rules: [other], held: [origin] });
  assert.deepEqual(result.actions.map((action) => `${action.type} ${action.key}`), ["create Secret/c/db"]);
  const outcome = result.reports[0]!.outcomes.find((entry) => entry.namespace === "a")!;
  assert.equal(outcome.reason, "TargetClaimedByAnotherRule");
  assert.match(outcome.message, /held while native\/Secret\/src\/db cannot be read/);
  assert.deepEqual(result.held, [{ origin, copies: 1 }]);
});

test("only copies of the held object's rules are held, by their rule-id annotation", () => {
  const copy = (id: string, namespace: string): ObservedObject => ({ kind: "Secret", namespace, name: "x", labels: {}, annotations: { [RULE_ID_ANNOTATION]: id } });
  const held = new HeldOrigins([origin, { dialect: "stakater", apiVersion: "tenantoperator.stakater.com/v1alpha1", kind: "TemplateGroupInstance", name: "tgi" }]);
  assert.equal(held.holderOf(copy("native/Secret/src/db", "a")), origin);
  assert.equal(held.holderOf(copy("stakater/TemplateGroupInstance/tgi/Secret/default/registry", "a"))?.name, "tgi");
  assert.equal(held.holderOf(copy("native/Secret/src/dbx", "a")), undefined);
  assert.equal(held.holderOf(copy("stakater/TemplateGroupInstance/other/Secret/default/registry", "a")), undefined);
  assert.equal(held.holderOf({ ...copy("", "a"), annotations: {} }), undefined);
  assert.equal(new HeldOrigins([]).holderOf(copy("native/Secret/src/db", "a")), undefined);
});

test("errors that describe a state hold nothing; any other error holds; the CopiesHeld error says why", () => {
  const error = (describesState?: boolean) => ({ origin, reason: "X", message: "m", ...(describesState ? { describesState } : {}) });
  assert.equal(unreadableOrigin({ rules: [], errors: [] }), undefined);
  assert.equal(unreadableOrigin({ rules: [], errors: [error(true)] }), undefined);
  assert.equal(unreadableOrigin({ rules: [], errors: [error(true), error()] }), origin);
  const held = heldCopiesError({ origin, copies: 3 });
  assert.equal(held.reason, "CopiesHeld");
  assert.match(held.message, /^3 copies .* are held: neither updated nor pruned/);
  assert.equal(held.describesState, true);
});
