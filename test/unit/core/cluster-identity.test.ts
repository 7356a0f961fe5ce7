// Cluster identity: which copies are this cluster's own, and what plan() does with copies written
// under the legacy default name `local` once the identity is derived.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  LEGACY_CLUSTER_NAME,
  derivedIdentity,
  identityAnnotations,
  identityFromAnnotations,
  namedIdentity,
  notOwnCopiesSelector,
  ownCopiesSelector,
  ownCopyTest,
} from "../../../src/core/cluster-identity.js";
import { MANAGED_BY_LABEL, RULE_LABEL, SOURCE_CLUSTER_LABEL } from "../../../src/core/marks.js";
import { plan } from "../../../src/core/plan.js";
import type { ObservedObject, Policy } from "../../../src/core/types.js";
import { checkMemberIdentity } from "../../../src/multicluster/identity-check.js";
import { apply, ns, rule, secret, world } from "../../support/plan-fixtures.js";

const UID = "6f1c2a7e-0b1d-4c55-9d0e-2b7f3c4d5e6f";
const derived = derivedIdentity(UID);
const derivedPolicy: Policy = {
  mode: "guarded",
  protectedNamespaces: ["kube-system", "kube-public", "kube-node-lease", "ferry-system"],
  clusterName: derived.name,
  ownClusterNames: derived.ownNames,
};
const copyLabels = (cluster: string, ruleLabel = "r") => ({ [MANAGED_BY_LABEL]: "ferry", [RULE_LABEL]: ruleLabel, [SOURCE_CLUSTER_LABEL]: cluster });

test("the derived identity is kube-system's UID and also owns the legacy default; a named one owns only its name", () => {
  assert.equal(derived.name, UID);
  assert.deepEqual(derived.ownNames, [UID, LEGACY_CLUSTER_NAME]);
  assert.deepEqual(namedIdentity("eu-1").ownNames, ["eu-1"]);
  const ours = ownCopyTest(derivedPolicy);
  assert.equal(ours(copyLabels(UID)), true);
  assert.equal(ours(copyLabels("local")), true);
  assert.equal(ours(copyLabels("hub-7")), false);
  assert.equal(ours({ [SOURCE_CLUSTER_LABEL]: UID }), false, "not a Ferry copy without managed-by and rule");
  const named = ownCopyTest({ clusterName: "eu-1" });
  assert.equal(named(copyLabels("eu-1")), true);
  assert.equal(named(copyLabels("local")), false, "an explicit name does not own the legacy default");
});

test("selectors: own copies by either name, everything else by notin", () => {
  assert.equal(ownCopiesSelector(derivedPolicy), `app.kubernetes.io/managed-by=ferry,ferry.dev/source-cluster in (${UID},local)`);
  assert.equal(notOwnCopiesSelector(derivedPolicy), `ferry.dev/source-cluster notin (${UID},local)`);
  assert.equal(ownCopiesSelector({ clusterName: "eu-1" }), "app.kubernetes.io/managed-by=ferry,ferry.dev/source-cluster=eu-1");
});

test("plan on the derived identity: a legacy `local` copy is updated (relabelled) as its own, an orphaned one is pruned, neither is a conflict or a source", () => {
  const r = rule("r1", "src", "db", { namespaces: ["a"] });
  const ruleLabel = "r1";
  const legacyCopy: ObservedObject = { kind: "Secret", namespace: "a", name: "db", labels: copyLabels(LEGACY_CLUSTER_NAME, ruleLabel), annotations: {}, contentHash: "sha256:old" };
  const orphan: ObservedObject = { kind: "Secret", namespace: "b", name: "gone", labels: copyLabels(LEGACY_CLUSTER_NAME, "deleted-rule"), annotations: {}, contentHash: "sha256:x" };
  const input = world({ rules: [r], namespaces: ["src", "a", "b"].map((n) => ns(n)), sources: [secret("src", "db")], observed: [legacyCopy, orphan], policy: derivedPolicy });
  const first = plan(input);
  assert.deepEqual(first.actions.map((a) => `${a.type} ${a.key}`).sort(), ["delete Secret/b/gone", "update Secret/a/db"]);
  const update = first.actions.find((a) => a.type === "update");
  assert.ok(update && update.type === "update");
  assert.equal(update.desired.labels[SOURCE_CLUSTER_LABEL], UID, "rewritten under the new identity");
  assert.equal(first.reports[0]!.conflicts, 0);
  const second = plan(apply(input, first.actions));
  assert.deepEqual(second.actions, [], "a fixed point after one pass");

  // A legacy copy is never a source, even if a rule names it.
  const fromCopy = rule("r2", "a", "db", { namespaces: ["b"] });
  const asSource = secret("a", "db", { k: "dg==" }, { labels: copyLabels(LEGACY_CLUSTER_NAME, ruleLabel) });
  const refused = plan(world({ rules: [fromCopy], namespaces: ["a", "b"].map((n) => ns(n)), sources: [asSource], policy: derivedPolicy }));
  assert.equal(refused.reports[0]!.problem?.reason, "SourceIsCopy");
});

test("with an explicit name, a `local` copy stays another cluster's: reported, never touched", () => {
  const named: Policy = { ...derivedPolicy, clusterName: "eu-1", ownClusterNames: ["eu-1"] };
  const foreign: ObservedObject = { kind: "Secret", namespace: "a", name: "db", labels: copyLabels(LEGACY_CLUSTER_NAME), annotations: {} };
  const result = plan(world({ rules: [rule("r1", "src", "db", { namespaces: ["a"] })], namespaces: ["src", "a"].map((n) => ns(n)), sources: [secret("src", "db")], observed: [foreign], policy: named }));
  assert.deepEqual(result.actions, []);
  assert.equal(result.reports[0]!.outcomes[0]!.reason, "ManagedByAnotherCluster");
});

test("published identity round-trips through annotations; a hub finds a member that owns its name", () => {
  assert.deepEqual(identityFromAnnotations(identityAnnotations(derived)), { name: UID, ownNames: [UID, "local"] });
  assert.equal(identityFromAnnotations({}), undefined);
  const memberUid = "0a0b0c0d-1111-2222-3333-444455556666";
  const member = identityAnnotations(derivedIdentity(memberUid));
  assert.deepEqual(checkMemberIdentity(member, UID, "m1"), { clusterName: memberUid });
  assert.deepEqual(checkMemberIdentity(undefined, UID, "m1"), { clusterName: null });
  const same = checkMemberIdentity(identityAnnotations(namedIdentity("mgmt")), "mgmt", "m1");
  assert.match(same.problem ?? "", /member m1 answers with this hub's own cluster name "mgmt"/);
  const legacy = checkMemberIdentity(member, "local", "m1");
  assert.match(legacy.problem ?? "", /counts copies marked "local" as its own/);
});
