import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { MANAGED_BY_LABEL, RULE_LABEL, SOURCE_CLUSTER_LABEL } from "../../../src/core/marks.js";
import { ruleLabel } from "../../../src/core/desired-copy.js";
import { planNamespaces } from "../../../src/core/partial-plan.js";
import { objectKey, plan } from "../../../src/core/plan.js";
import type { ObservedObject } from "../../../src/core/types.js";
import { apply, ns, policy, rule, secret, world } from "../../support/plan-fixtures.js";
import { arbitraryWorld, nsNames } from "../../support/plan-worlds.js";

const namespaces = ["src", "a", "b", "c", "team-x", "kube-system"].map((n) => ns(n, n.startsWith("team") ? { team: "x" } : {}));

test("a new source is copied to every selected namespace, and a second pass writes nothing", () => {
  const input = world({ rules: [rule("r1", "src", "db", { allNamespaces: true })], namespaces, sources: [secret("src", "db")] });
  const first = plan(input);
  assert.deepEqual(
    first.actions.map((a) => `${a.type} ${a.key}`).sort(),
    ["create Secret/a/db", "create Secret/b/db", "create Secret/c/db", "create Secret/team-x/db"],
  );
  const second = plan(apply(input, first.actions));
  assert.deepEqual(second.actions, []);
  assert.equal(second.reports[0]!.synced, 4);
  assert.equal(second.reports[0]!.desired, 4);
});

test("protected namespaces receive copies only from a cluster rule that names them", () => {
  const byAll = plan(world({ rules: [rule("r", "src", "db", { allNamespaces: true })], namespaces, sources: [secret("src", "db")] }));
  assert.ok(!byAll.actions.some((a) => a.key.includes("kube-system")));
  const named = plan(world({ rules: [rule("r", "src", "db", { namespaces: ["kube-system"] })], namespaces, sources: [secret("src", "db")] }));
  assert.deepEqual(named.actions.map((a) => a.key), ["Secret/kube-system/db"]);
  const tenant = plan(
    world({ rules: [rule("r", "src", "db", { namespaces: ["kube-system"] }, { scope: "tenant" })], namespaces, sources: [secret("src", "db")] }),
  );
  assert.deepEqual(tenant.actions, []);
  assert.equal(tenant.reports[0]!.outcomes[0]!.reason, "ProtectedNamespace");
});

test("an unmanaged object at a target is never touched under skip and is reported as a conflict", () => {
  const unmanaged: ObservedObject = { kind: "Secret", namespace: "a", name: "db", labels: {}, annotations: {} };
  const result = plan(
    world({ rules: [rule("r", "src", "db", { namespaces: ["a", "b"] })], namespaces, sources: [secret("src", "db")], observed: [unmanaged] }),
  );
  assert.deepEqual(result.actions.map((a) => a.key), ["Secret/b/db"]);
  assert.equal(result.reports[0]!.conflicts, 1);
  assert.equal(result.reports[0]!.outcomes.find((o) => o.namespace === "a")!.reason, "UnmanagedObjectExists");
});

test("overwrite takes over an unmanaged object only for cluster rules under guarded", () => {
  const unmanaged: ObservedObject = { kind: "Secret", namespace: "a", name: "db", labels: {}, annotations: {} };
  const cluster = plan(
    world({ rules: [rule("r", "src", "db", { namespaces: ["a"] }, { conflict: "overwrite" })], namespaces, sources: [secret("src", "db")], observed: [unmanaged] }),
  );
  assert.deepEqual(cluster.actions.map((a) => a.type), ["update"]);
  const tenant = plan(
    world({
      rules: [rule("r", "src", "db", { namespaces: ["a"] }, { conflict: "overwrite", scope: "tenant" })],
      namespaces,
      sources: [secret("src", "db")],
      observed: [unmanaged],
    }),
  );
  assert.deepEqual(tenant.actions, []);
  const open = plan(
    world({
      rules: [rule("r", "src", "db", { namespaces: ["a"] }, { conflict: "overwrite", scope: "tenant" })],
      namespaces,
      sources: [secret("src", "db")],
      observed: [unmanaged],
      policy: policy("open"),
    }),
  );
  assert.deepEqual(open.actions.map((a) => a.type), ["update"]);
});

test("adopt takes over a peer tool's copy of its own source, but not another source's copy or an arbitrary object", () => {
  const reflected = (namespace: string, of: string): ObservedObject => ({
    kind: "Secret",
    namespace,
    name: "db",
    labels: {},
    annotations: { "reflector.v1.k8s.emberstack.com/reflects": of, "reflector.v1.k8s.emberstack.com/auto-reflects": "True" },
  });
  const other: ObservedObject = { kind: "Secret", namespace: "b", name: "db", labels: {}, annotations: {} };
  const result = plan(
    world({
      rules: [rule("r", "src", "db", { namespaces: ["a", "b", "team-x"] }, { conflict: "adopt" })],
      namespaces,
      sources: [secret("src", "db")],
      observed: [reflected("a", "src/db"), other, reflected("team-x", "elsewhere/db")],
    }),
  );
  assert.deepEqual(result.actions.map((a) => `${a.type} ${a.key}`), ["update Secret/a/db"]);
});

test("deleting the source or the rule deletes every copy, found by label", () => {
  const input = world({ rules: [rule("r1", "src", "db", { namespaces: ["a", "b"] })], namespaces, sources: [secret("src", "db")] });
  const synced = apply(input, plan(input).actions);
  const sourceGone = { ...synced, sources: new Map([[objectKey("Secret", "src", "db"), "missing" as const]]) };
  assert.deepEqual(plan(sourceGone).actions.map((a) => `${a.type} ${a.key}`).sort(), ["delete Secret/a/db", "delete Secret/b/db"]);
  const ruleGone = { ...synced, rules: [] };
  assert.deepEqual(plan(ruleGone).actions.map((a) => a.type), ["delete", "delete"]);
});

test("copies of a rule whose source is not read yet are held, not pruned", () => {
  const input = world({ rules: [rule("r1", "src", "db", { namespaces: ["a"] })], namespaces, sources: [secret("src", "db")] });
  const synced = apply(input, plan(input).actions);
  const unknown = { ...synced, sources: new Map([[objectKey("Secret", "src", "db"), "unknown" as const]]) };
  assert.deepEqual(plan(unknown).actions, []);
});

test("two rules that want one target: the first keeps it, the second reports a conflict, no flip-flop", () => {
  const older = rule("older", "src", "db", { namespaces: ["a"] }, { createdAt: "2026-01-01T00:00:00Z" });
  const newer = rule("newer", "src", "other", { namespaces: ["a"] }, { createdAt: "2026-02-01T00:00:00Z", copy: { name: "db", labels: {}, annotations: {} } });
  const input = world({ rules: [newer, older], namespaces, sources: [secret("src", "db"), secret("src", "other", { k: "b3RoZXI=" })] });
  const first = plan(input);
  assert.equal(first.actions.length, 1);
  assert.equal(first.actions[0]!.ruleId, "older");
  const next = apply(input, first.actions);
  const second = plan(next);
  assert.deepEqual(second.actions, []);
  assert.equal(second.reports.find((r) => r.rule.id === "newer")!.conflicts, 1);
  // Even when the newer rule sorts first, the current owner keeps the target.
  const reversed = plan({ ...next, rules: [{ ...newer, createdAt: "2025-01-01T00:00:00Z" }, older] });
  assert.deepEqual(reversed.actions, []);
});

test("a copy is never itself a source", () => {
  const copyAsSource = secret("a", "db", { k: "dg==" }, { labels: { [MANAGED_BY_LABEL]: "ferry", [RULE_LABEL]: "x", [SOURCE_CLUSTER_LABEL]: "local" } });
  const result = plan(world({ rules: [rule("r", "a", "db", { namespaces: ["b"] })], namespaces, sources: [copyAsSource] }));
  // Nothing is written into b; the copy itself is an orphan (its rule "x" does not exist) and is pruned.
  assert.deepEqual(result.actions.map((a) => `${a.type} ${a.key}`), ["delete Secret/a/db"]);
  assert.equal(result.reports[0]!.problem?.reason, "SourceIsCopy");
});

test("service-account-token Secrets are refused; immutable sources are replaced, not updated", () => {
  const token = secret("src", "tok", {}, { type: "kubernetes.io/service-account-token" });
  const refused = plan(world({ rules: [rule("r", "src", "tok", { namespaces: ["a"] })], namespaces, sources: [token] }));
  assert.equal(refused.reports[0]!.problem?.reason, "UnsupportedSecretType");
  const input = world({ rules: [rule("r", "src", "db", { namespaces: ["a"] })], namespaces, sources: [secret("src", "db", { k: "MQ==" }, { immutable: true })] });
  const synced = apply(input, plan(input).actions);
  const changed = { ...synced, sources: new Map([[objectKey("Secret", "src", "db"), secret("src", "db", { k: "Mg==" }, { immutable: true })]]) };
  assert.deepEqual(plan(changed).actions.map((a) => a.type), ["replace"]);
});

test("copies drop GitOps tracking and trigger metadata but keep Secret type", () => {
  const source = secret("src", "db", { k: "dg==" }, {
    type: "kubernetes.io/tls",
    labels: { "app.kubernetes.io/instance": "argo-app", "app.kubernetes.io/managed-by": "Helm", team: "x" },
    annotations: { "kubectl.kubernetes.io/last-applied-configuration": "{}", "meta.helm.sh/release-name": "r", "ferry.dev/sync-to": "*", note: "kept" },
  });
  const [action] = plan(world({ rules: [rule("r", "src", "db", { namespaces: ["a"] })], namespaces, sources: [source] })).actions;
  assert.ok(action && action.type === "create");
  assert.equal(action.desired.type, "kubernetes.io/tls");
  assert.equal(action.desired.labels.team, "x");
  assert.equal(action.desired.labels["app.kubernetes.io/managed-by"], "ferry");
  assert.equal(action.desired.labels["app.kubernetes.io/instance"], undefined);
  assert.equal(action.desired.annotations.note, "kept");
  for (const key of ["kubectl.kubernetes.io/last-applied-configuration", "meta.helm.sh/release-name", "ferry.dev/sync-to"]) {
    assert.equal(action.desired.annotations[key], undefined, key);
  }
});

test("strict policy: tenant rules reach only namespaces that accept them", () => {
  const spaces = [ns("src"), ns("open-door", {}, { "ferry.dev/accept": "src" }), ns("all-in", { "ferry.dev/accept": "all" }), ns("closed")];
  const tenant = rule("t", "src", "db", { allNamespaces: true }, { scope: "tenant" });
  const result = plan(world({ rules: [tenant], namespaces: spaces, sources: [secret("src", "db")], policy: policy("strict") }));
  assert.deepEqual(result.actions.map((a) => a.key).sort(), ["Secret/all-in/db", "Secret/open-door/db"]);
  const named = plan(world({ rules: [{ ...tenant, targets: { ...tenant.targets, allNamespaces: false, namespaces: ["closed"] } }], namespaces: spaces, sources: [secret("src", "db")], policy: policy("strict") }));
  assert.deepEqual(named.actions, []);
  assert.equal(named.reports[0]!.outcomes[0]!.reason, "NotAccepted");
});

// Property tests over random worlds (test/support/plan-worlds.ts).

test("property: applying a plan reaches a fixed point where a second pass writes nothing", () => {
  fc.assert(
    fc.property(arbitraryWorld, (input) => {
      const once = apply(input, plan(input).actions);
      assert.deepEqual(plan(once).actions, []);
    }),
    { numRuns: 300 },
  );
});

test("property: plan is deterministic and never acts on an unmanaged object under skip", () => {
  fc.assert(
    fc.property(arbitraryWorld, (input) => {
      const a = plan(input);
      assert.deepEqual(plan(input).actions, a.actions);
      for (const action of a.actions) {
        const observed = input.observed.get(action.key);
        if (!observed || observed.labels[MANAGED_BY_LABEL] === "ferry") continue;
        const r = input.rules.find((x) => x.id === action.ruleId)!;
        assert.notEqual(action.type, "delete");
        assert.ok(r.conflict !== "skip", `action ${action.type} on unmanaged ${action.key} under skip`);
      }
    }),
    { numRuns: 300 },
  );
});

test("property: after convergence, removing all rules deletes exactly the copies", () => {
  fc.assert(
    fc.property(arbitraryWorld, (input) => {
      const converged = apply(input, plan(input).actions);
      const copies = [...converged.observed.values()].filter((o) => o.labels[MANAGED_BY_LABEL] === "ferry").map((o) => objectKey(o.kind, o.namespace, o.name));
      const cleaned = plan({ ...converged, rules: [] });
      assert.deepEqual(cleaned.actions.map((a) => a.key).sort(), copies.sort());
      assert.ok(cleaned.actions.every((a) => a.type === "delete"));
    }),
    { numRuns: 200 },
  );
});

test("property: planning some namespaces decides exactly what the full plan decides there", () => {
  const namespaceOf = (action: ReturnType<typeof plan>["actions"][number]) => (action.type === "delete" ? action.namespace : action.desired.namespace);
  const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  fc.assert(
    fc.property(arbitraryWorld, fc.subarray(["src", ...nsNames]), fc.array(fc.boolean(), { maxLength: 4 }), (input, only, keep) => {
      // Converge, then drop some rules: the full plan now creates, updates, conflicts and prunes.
      const converged = apply(input, plan(input).actions);
      const changed = { ...converged, rules: converged.rules.filter((_, i) => keep[i] ?? true) };
      for (const world of [input, changed]) {
        const expected = plan(world).actions.filter((action) => only.includes(namespaceOf(action)));
        assert.deepEqual([...planNamespaces(world, new Set(only))].sort(byKey), [...expected].sort(byKey));
      }
    }),
    { numRuns: 300 },
  );
});

test("a named namespace that does not exist is reported, also next to a selector", () => {
  const result = plan(
    world({ rules: [rule("r", "src", "db", { namespaces: ["ghost", "a"], namespaceSelector: { matchLabels: { team: "x" } } })], namespaces, sources: [secret("src", "db")] }),
  );
  assert.deepEqual(result.actions.map((a) => a.key).sort(), ["Secret/a/db", "Secret/team-x/db"]);
  assert.deepEqual(result.reports[0]!.outcomes.map((o) => `${o.namespace} ${o.state}`), ["ghost NamespaceNotFound", "a Pending", "team-x Pending"].sort());
});

test("pruning looks up each rule's report directly: the work grows with copies + rules, not copies x rules", () => {
  // 200 rules that keep their copies (prune: false) and target namespace `a` only, each with stale
  // copies in 20 namespaces it no longer selects; half of them lost their source (a rule with a
  // problem prunes even with prune: false). For each stale copy the prune loop needs its rule's
  // report: scanning the reports costs ~copies x rules / 2 comparisons, an index one lookup.
  const count = 200;
  const stale = Array.from({ length: 20 }, (_, i) => `old-${i}`);
  const rules = Array.from({ length: count }, (_, i) => rule(`r${i}`, "src", `s${i}`, { namespaces: ["a"] }, { prune: false }));
  const sources = rules.filter((_, i) => i % 2 === 0).map((r) => secret("src", r.source.name));
  const copies: ObservedObject[] = rules.flatMap((r) =>
    stale.map((namespace) => ({
      kind: "Secret" as const,
      namespace,
      name: r.source.name,
      labels: { [MANAGED_BY_LABEL]: "ferry", [RULE_LABEL]: ruleLabel(r), [SOURCE_CLUSTER_LABEL]: "local" },
      annotations: {},
    })),
  );
  const input = world({ rules, namespaces: [...namespaces, ...stale.map((name) => ns(name))], sources, observed: copies });

  // Counts every comparison Array.prototype.find makes while plan() runs (plan is pure and synchronous).
  const find = Array.prototype.find;
  let comparisons = 0;
  Array.prototype.find = function (this: unknown[], predicate: (value: unknown, index: number, array: unknown[]) => unknown, thisArg?: unknown) {
    return find.call(this, (value: unknown, index: number, array: unknown[]) => {
      comparisons++;
      return predicate.call(thisArg, value, index, array);
    });
  } as typeof find;
  let result: ReturnType<typeof plan>;
  try {
    result = plan(input);
  } finally {
    Array.prototype.find = find;
  }
  assert.ok(comparisons <= 4 * (rules.length + copies.length), `${comparisons} comparisons for ${rules.length} rules and ${copies.length} copies`);

  // The same decisions: copies of rules that lost their source go, the others stay.
  const deleted = result.actions.filter((a) => a.type === "delete").map((a) => a.key);
  assert.equal(deleted.length, (count / 2) * stale.length);
  assert.ok(deleted.every((key) => Number(/\/s(\d+)$/.exec(key)![1]) % 2 === 1), "only copies of rules whose source is missing are pruned");
});
