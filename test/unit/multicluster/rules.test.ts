// The hub's rules, planned as a member worker plans them: the seed's push keeps its annotation
// and lands in the member's (protected) Ferry namespace; ClusterDistributions reach the members
// their targets.clusters select; copies of other clusters are conflicts, never writes.
import assert from "node:assert/strict";
import { test } from "node:test";
import { MANAGED_BY_LABEL, RULE_LABEL, SOURCE_CLUSTER_LABEL, labelValue } from "../../../src/core/marks.js";
import { objectKey, plan, type SourceState } from "../../../src/core/plan.js";
import type { NamespaceInfo, ObservedObject, Policy, SourceKind } from "../../../src/core/types.js";
import type { KubeObject } from "../../../src/kube/informer.js";
import { hubRules, rulesForMember, type HubObjects } from "../../../src/multicluster/rules.js";

const FERRY = "ferry-system";
const memberPolicy: Policy = { mode: "guarded", protectedNamespaces: ["kube-system", "kube-public", "kube-node-lease", FERRY], clusterName: "hub" };
const ns = (name: string, labels: Record<string, string> = {}): NamespaceInfo => ({ name, labels, annotations: {}, terminating: false });
const memberNamespaces = new Map([FERRY, "default", "web-a", "web-b", "kube-system"].map((n) => [n, ns(n, n.startsWith("web") ? { ingress: "public" } : {})]));

function object(kind: SourceKind, namespace: string, name: string, annotations: Record<string, string> = {}, labels: Record<string, string> = {}, type?: string): { kind: SourceKind; object: KubeObject } {
  return { kind, object: { metadata: { name, namespace, annotations, labels, uid: `${name}-uid`, resourceVersion: "1" }, data: { k: "dg==" }, ...(type ? { type } : {}) } };
}

function input(parts: Partial<HubObjects>): HubObjects {
  return { ferryNamespace: FERRY, hubName: "hub", ferryNamespaceObjects: [], clusterDistributions: [], sourceState: () => "unknown", ...parts };
}

function planFor(rules: ReturnType<typeof hubRules>, labels: Record<string, string>, observed: ObservedObject[] = []) {
  const mine = rulesForMember(rules, { labels, memberNamespace: FERRY });
  const map = new Map(observed.map((o) => [objectKey(o.kind, o.namespace, o.name), o]));
  return plan({
    rules: [...mine.push, ...mine.distributions],
    namespaces: memberNamespaces,
    sources: rules.sources as Map<string, SourceState>,
    observed: map,
    policy: memberPolicy,
    triggerKeys: ["mw-sync", "mw_sec/sync", "ferry.dev/"],
    copyMarks: new Map(),
  });
}

test("mw-sync: \"yes\" in the hub's Ferry namespace is pushed into the member's Ferry namespace with the same name, keeping the annotation", () => {
  const rules = hubRules(input({ ferryNamespaceObjects: [object("Secret", FERRY, "regcred", { "mw-sync": "yes" }, {}, "kubernetes.io/dockerconfigjson"), object("ConfigMap", FERRY, "plain")] }));
  assert.equal(rules.push.length, 1);
  const result = planFor(rules, {});
  assert.deepEqual(result.actions.map((a) => `${a.type} ${a.key}`), [`create Secret/${FERRY}/regcred`]);
  const action = result.actions[0]!;
  assert.ok(action.type === "create");
  assert.equal(action.desired.annotations["mw-sync"], "yes");
  assert.equal(action.desired.labels[SOURCE_CLUSTER_LABEL], "hub");
  assert.equal(action.desired.type, "kubernetes.io/dockerconfigjson");
});

test("registrations are never pushed, nor the hub's own copies, nor service-account tokens", () => {
  const rules = hubRules(
    input({
      ferryNamespaceObjects: [
        object("Secret", FERRY, "member-1", { "mw-sync": "yes" }, { "ferry.dev/cluster": "true" }),
        object("Secret", FERRY, "copy", { "mw-sync": "yes" }, { [MANAGED_BY_LABEL]: "ferry", [RULE_LABEL]: "r", [SOURCE_CLUSTER_LABEL]: "hub" }),
        object("Secret", FERRY, "sa", { "mw-sync": "yes" }, {}, "kubernetes.io/service-account-token"),
      ],
    }),
  );
  assert.equal(rules.errors[0]?.reason, "RegistrationNotPushed");
  const result = planFor(rules, {});
  assert.deepEqual(result.actions, []);
  assert.deepEqual(result.reports.map((r) => r.problem?.reason).sort(), ["SourceIsCopy", "UnsupportedSecretType"]);
});

test("a copy pushed by another hub, or the member's own object, is a reported conflict and never written", () => {
  const rules = hubRules(input({ ferryNamespaceObjects: [object("Secret", FERRY, "regcred", { "mw-sync": "yes" })] }));
  const otherHub: ObservedObject = { kind: "Secret", namespace: FERRY, name: "regcred", labels: { [MANAGED_BY_LABEL]: "ferry", [RULE_LABEL]: "x", [SOURCE_CLUSTER_LABEL]: "hub-2" }, annotations: {} };
  const own: ObservedObject = { kind: "Secret", namespace: FERRY, name: "regcred", labels: {}, annotations: {} };
  for (const [observed, reason] of [[otherHub, "ManagedByAnotherCluster"], [own, "UnmanagedObjectExists"]] as const) {
    const result = planFor(rules, {}, [observed]);
    assert.deepEqual(result.actions, []);
    assert.equal(result.reports[0]!.outcomes[0]!.reason, reason);
  }
});

const distribution = (name: string, clusters: unknown, targets: Record<string, unknown> = { namespaceSelector: { matchLabels: { ingress: "public" } } }): KubeObject => ({
  apiVersion: "ferry.dev/v1alpha1",
  kind: "ClusterDistribution",
  metadata: { name, uid: `${name}-uid`, creationTimestamp: "2026-01-01T00:00:00Z" },
  spec: { source: { kind: "Secret", namespace: "platform", name: "tls" }, targets: { ...targets, ...(clusters === undefined ? {} : { clusters }) } },
});

test("ClusterDistribution targets.clusters selects members by registration labels; the namespace targeting applies on the member", () => {
  const source = object("Secret", "platform", "tls").object;
  const rules = hubRules(
    input({
      clusterDistributions: [distribution("tls", { matchLabels: { env: "prod" } }), distribution("local-only", undefined)],
      sourceState: (kind, namespace, name) => (name === "tls" ? { kind, namespace, name, labels: {}, annotations: {}, type: "Opaque", data: source.data as Record<string, string> } : "missing"),
    }),
  );
  assert.equal(rules.distributions.length, 1, "a ClusterDistribution without targets.clusters stays on the hub");
  assert.deepEqual(planFor(rules, { env: "prod" }).actions.map((a) => a.key).sort(), ["Secret/web-a/tls", "Secret/web-b/tls"]);
  assert.deepEqual(planFor(rules, { env: "dev" }).actions, []);
});

test("a ClusterDistribution source not read yet holds its copies; a missing one removes them", () => {
  const copy: ObservedObject = {
    kind: "Secret",
    namespace: "web-a",
    name: "tls",
    labels: { [MANAGED_BY_LABEL]: "ferry", [RULE_LABEL]: labelValue("native/ClusterDistribution/tls"), [SOURCE_CLUSTER_LABEL]: "hub" },
    annotations: {},
    contentHash: "x",
  };
  const cd = [distribution("tls", {})];
  const held = planFor(hubRules(input({ clusterDistributions: cd, sourceState: () => "unknown" })), {}, [copy]);
  assert.deepEqual(held.actions, []);
  const gone = planFor(hubRules(input({ clusterDistributions: cd, sourceState: () => "missing" })), {}, [copy]);
  assert.deepEqual(gone.actions.map((a) => `${a.type} ${a.key}`), ["delete Secret/web-a/tls"]);
});

test("an invalid targets.clusters selector is an error, not a rule", () => {
  const rules = hubRules(input({ clusterDistributions: [distribution("bad", { matchExpressions: [{ key: "env", operator: "In" }] })] }));
  assert.equal(rules.distributions.length, 0);
  assert.equal(rules.errors[0]?.reason, "InvalidClusterSelector");
});
