// Which namespaces a rule's copies go to (core/target-selection.ts), with the consent policy:
// names, globs, regular expressions, label selectors, all namespaces, exclusions, protected and
// opted-out namespaces, strict opt-in, terminating namespaces.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { decideNamespace, namespaceAccepts, selectTargets } from "../../../src/core/target-selection.js";
import type { NamespaceInfo, Policy, Rule } from "../../../src/core/types.js";
import { ns, policy, rule } from "../../support/plan-fixtures.js";

const world = (...infos: NamespaceInfo[]) => new Map(infos.map((info) => [info.name, info]));
const select = (r: Rule, infos: NamespaceInfo[], p: Policy = policy()) => selectTargets(r, world(...infos), p, "db");

test("names, globs, regular expressions and label selectors each select; the union is taken", () => {
  const all = [ns("web"), ns("shop-a"), ns("shop-b"), ns("app-7"), ns("db", { tier: "data" }), ns("other")];
  assert.deepEqual(select(rule("r", "src", "db", { namespaces: ["web"] }), all).namespaces, ["web"]);
  assert.deepEqual(select(rule("r", "src", "db", { namespaces: ["shop-*"] }), all).namespaces, ["shop-a", "shop-b"]);
  assert.deepEqual(select(rule("r", "src", "db", { namespaceRegexes: ["app-[0-9]+"] }), all).namespaces, ["app-7"]);
  assert.deepEqual(select(rule("r", "src", "db", { namespaceSelector: { matchLabels: { tier: "data" } } }), all).namespaces, ["db"]);
  assert.deepEqual(select(rule("r", "src", "db", { namespaces: ["web", "shop-?"], namespaceSelector: { matchExpressions: [{ key: "tier", operator: "Exists" }] } }), all).namespaces, ["db", "shop-a", "shop-b", "web"]);
  assert.deepEqual(select(rule("r", "src", "db", { allNamespaces: true }), all).namespaces, ["app-7", "db", "other", "shop-a", "shop-b", "web"]);
});

test("a regular expression must match the whole name", () => {
  assert.deepEqual(select(rule("r", "src", "db", { namespaceRegexes: ["app"] }), [ns("app"), ns("app-1"), ns("my-app")]).namespaces, ["app"]);
});

test("exclusions by name, glob, regular expression and namespace annotation win over any selection", () => {
  const all = [ns("a"), ns("b-1"), ns("b-2"), ns("c"), ns("d", {}, { "registry-creds/ignore": "true" })];
  const r = rule("r", "src", "db", { allNamespaces: true, exclude: ["a", "b-*"], excludeRegexes: ["c"], excludeAnnotated: { "registry-creds/ignore": "true" } });
  assert.deepEqual(select(r, all).namespaces, []);
  assert.deepEqual(decideNamespace(r, ns("a"), policy()).reason, "Excluded");
  assert.deepEqual(decideNamespace(r, all[4]!, policy()).reason, "ExcludedByAnnotation");
});

test("named namespaces that do not exist are reported, unless excluded; missing globbed ones are not", () => {
  const selection = select(rule("r", "src", "db", { namespaces: ["missing", "gone", "web-*"], exclude: ["gone"] }), [ns("web-1")]);
  assert.deepEqual(selection.namespaces, ["web-1"]);
  assert.deepEqual(selection.outcomes.map((o) => [o.namespace, o.state, o.name]), [["missing", "NamespaceNotFound", "db"]]);
});

test("protected namespaces receive copies only from an administrator rule that names them exactly", () => {
  const protectedNs = [ns("kube-system"), ns("ferry-system")];
  const tenant = rule("t", "src", "db", { namespaces: ["kube-system"] }, { scope: "tenant" });
  assert.deepEqual(select(tenant, protectedNs).namespaces, []);
  assert.deepEqual(select(tenant, protectedNs).outcomes.map((o) => [o.namespace, o.state, o.reason]), [["kube-system", "Denied", "ProtectedNamespace"]]);
  assert.deepEqual(select(rule("a", "src", "db", { namespaces: ["kube-system"] }), protectedNs).namespaces, ["kube-system"]);
  const broad = select(rule("a", "src", "db", { allNamespaces: true }), protectedNs);
  assert.deepEqual(broad.namespaces, [], "not by all namespaces");
  assert.deepEqual(broad.outcomes, [], "nor reported: nobody asked for them by name");
  assert.deepEqual(select(rule("a", "src", "db", { namespaces: ["kube-*"] }), protectedNs).namespaces, [], "nor by a glob");
});

test("an opted-out namespace (label or annotation) gets nothing except from an administrator rule naming it", () => {
  const out = ns("quiet", { "ferry.dev/opt-out": "true" });
  const outByAnnotation = ns("quiet-too", {}, { "ferry.dev/opt-out": "true" });
  assert.deepEqual(select(rule("t", "src", "db", { allNamespaces: true }, { scope: "tenant" }), [out, outByAnnotation]).namespaces, []);
  assert.deepEqual(select(rule("a", "src", "db", { allNamespaces: true }), [out]).namespaces, []);
  assert.deepEqual(select(rule("a", "src", "db", { namespaces: ["quiet"] }), [out]).namespaces, ["quiet"]);
  assert.equal(select(rule("t", "src", "db", { namespaces: ["quiet"] }, { scope: "tenant" }), [out]).outcomes[0]?.reason, "NamespaceOptedOut");
});

test("strict: tenant rules reach only namespaces that accept their source namespace; administrator rules are not asked", () => {
  const strict = policy("strict");
  const all = [ns("open", { "ferry.dev/accept": "all" }), ns("team", {}, { "ferry.dev/accept": "src, team-*" }), ns("glob", {}, { "ferry.dev/accept": "sr?" }), ns("closed")];
  const tenant = rule("t", "src", "db", { allNamespaces: true }, { scope: "tenant" });
  assert.deepEqual(select(tenant, all, strict).namespaces, ["glob", "open", "team"]);
  assert.equal(select(rule("t", "src", "db", { namespaces: ["closed"] }, { scope: "tenant" }), all, strict).outcomes[0]?.reason, "NotAccepted");
  assert.deepEqual(select(rule("a", "src", "db", { allNamespaces: true }), all, strict).namespaces, ["closed", "glob", "open", "team"]);
  assert.equal(namespaceAccepts(ns("any", {}, { "ferry.dev/accept": "*" }), "whatever"), true);
  assert.equal(namespaceAccepts(ns("none"), "src"), false);
});

test("a terminating namespace gets no copy and is reported", () => {
  const going: NamespaceInfo = { ...ns("going"), terminating: true };
  const selection = select(rule("r", "src", "db", { allNamespaces: true }), [going]);
  assert.deepEqual(selection.namespaces, []);
  assert.deepEqual(selection.outcomes.map((o) => o.state), ["NamespaceTerminating"]);
});

test("property: the selection is exactly the namespaces decideNamespace selects, sorted", () => {
  const name = fc.constantFrom("a", "b", "c", "kube-system", "team-1", "team-2", "ferry-system");
  const namespace = fc.record({
    name,
    labels: fc.dictionary(fc.constantFrom("env", "tier", "ferry.dev/accept", "ferry.dev/opt-out"), fc.constantFrom("prod", "all", "true")),
    annotations: fc.dictionary(fc.constantFrom("ferry.dev/accept", "ferry.dev/opt-out"), fc.constantFrom("src", "true", "team-*")),
    terminating: fc.boolean(),
  });
  const targets = fc.record({
    namespaces: fc.array(fc.constantFrom("a", "team-*", "kube-system", "missing")),
    allNamespaces: fc.boolean(),
    exclude: fc.array(fc.constantFrom("b", "team-2")),
    namespaceSelector: fc.option(fc.constant({ matchLabels: { env: "prod" } }), { nil: undefined }),
  });
  fc.assert(
    fc.property(fc.uniqueArray(namespace, { selector: (n) => n.name }), targets, fc.constantFrom("open", "guarded", "strict"), fc.constantFrom("tenant", "administrator"), (infos, t, mode, scope) => {
      const r = rule("r", "src", "db", t, { scope: scope as Rule["scope"] });
      const p = policy(mode as Policy["mode"]);
      const expected = infos.filter((info) => decideNamespace(r, info, p).selected).map((info) => info.name).sort();
      assert.deepEqual(selectTargets(r, world(...infos), p, "db").namespaces, expected);
    }),
  );
});
