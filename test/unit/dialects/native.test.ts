// Ferry's own format (dialects/native.ts): first the examples README.md documents, then each
// promise of the annotations and of Distribution / ClusterDistribution, then malformed input.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { distributionStatus, nativeDialect } from "../../../src/dialects/native.js";
import { parseSource, parseResource } from "../../../src/dialects/parse.js";
import { context, parseManifests, resourceFromManifest, source } from "./helpers.js";

const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
const annotations = (values: Record<string, string>) => parseSource(nativeDialect, source("Secret", "team-a", "db", values), context());
const resource = (manifest: Record<string, unknown>) => parseResource(nativeDialect, resourceFromManifest(manifest), context());

test("README: ferry.dev/sync-to='*' copies to every namespace", () => {
  assert.match(readme, /ferry\.dev\/sync-to='\*'/);
  const { rules, errors } = annotations({ "ferry.dev/sync-to": "*" });
  assert.deepEqual(errors, []);
  assert.deepEqual(rules[0]!.targets, { namespaces: [], allNamespaces: true, exclude: [] });
  assert.equal(rules[0]!.scope, "tenant");
  assert.deepEqual(rules[0]!.source, { kind: "Secret", namespace: "team-a", name: "db" });
});

test("README: the annotation table (names and globs, a selector, exclusions)", () => {
  for (const row of ['`ferry.dev/sync-to: "team-a, team-*"`', '`ferry.dev/sync-to-selector: "env=prod,tier in (web,api)"`', '`ferry.dev/sync-exclude: "team-legacy"`']) assert.ok(readme.includes(row), row);
  const { rules, errors } = annotations({ "ferry.dev/sync-to": "team-a, team-*", "ferry.dev/sync-to-selector": "env=prod,tier in (web,api)", "ferry.dev/sync-exclude": "team-legacy" });
  assert.deepEqual(errors, []);
  assert.deepEqual(rules[0]!.targets, {
    namespaces: ["team-a", "team-*"],
    allNamespaces: false,
    exclude: ["team-legacy"],
    namespaceSelector: { matchLabels: { env: "prod" }, matchExpressions: [{ key: "tier", operator: "In", values: ["web", "api"] }] },
  });
  assert.deepEqual({ prune: rules[0]!.prune, conflict: rules[0]!.conflict, id: rules[0]!.id }, { prune: true, conflict: "skip", id: "native/Secret/team-a/db" });
});

test("README: the ClusterDistribution example is an administrator rule with every documented field", () => {
  const block = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1]!).find((text) => text.includes("kind: ClusterDistribution"));
  assert.ok(block, "README shows a ClusterDistribution");
  const [manifest] = parseManifests(block);
  const { rules, errors } = resource(manifest!);
  assert.deepEqual(errors, []);
  const rule = rules[0]!;
  assert.equal(rule.id, "native/ClusterDistribution/wildcard-tls");
  assert.equal(rule.scope, "administrator");
  assert.deepEqual(rule.source, { kind: "Secret", namespace: "cert-manager", name: "wildcard-tls" });
  assert.deepEqual(rule.targets, { namespaces: ["web", "shop-*"], namespaceSelector: { matchLabels: { ingress: "public" } }, allNamespaces: false, exclude: ["shop-legacy"] });
  assert.deepEqual(rule.copy, { name: "tls", labels: { team: "platform" }, annotations: {} });
  assert.equal(rule.prune, true);
  assert.equal(rule.conflict, "skip");
});

test("README: a Distribution is the same spec without source.namespace, a tenant rule from its own namespace", () => {
  const { rules, errors } = resource({
    apiVersion: "ferry.dev/v1alpha1",
    kind: "Distribution",
    metadata: { name: "db", namespace: "team-a" },
    spec: { source: { kind: "ConfigMap", name: "settings" }, targets: { namespaces: ["team-b"] }, conflict: "adopt", prune: false },
  });
  assert.deepEqual(errors, []);
  assert.equal(rules[0]!.scope, "tenant");
  assert.deepEqual(rules[0]!.source, { kind: "ConfigMap", namespace: "team-a", name: "settings" });
  assert.deepEqual({ conflict: rules[0]!.conflict, prune: rules[0]!.prune, id: rules[0]!.id }, { conflict: "adopt", prune: false, id: "native/Distribution/team-a/db" });
});

test("a Distribution may not take a source from another namespace; a ClusterDistribution must name one", () => {
  const other = resource({ apiVersion: "ferry.dev/v1alpha1", kind: "Distribution", metadata: { name: "x", namespace: "a" }, spec: { source: { kind: "Secret", name: "s", namespace: "b" }, targets: { allNamespaces: true } } });
  assert.deepEqual(other.rules, []);
  assert.equal(other.errors[0]!.reason, "SourceOutsideNamespace");
  const missing = resource({ apiVersion: "ferry.dev/v1alpha1", kind: "ClusterDistribution", metadata: { name: "x" }, spec: { source: { kind: "Secret", name: "s" }, targets: { allNamespaces: true } } });
  assert.equal(missing.errors[0]!.reason, "InvalidSpec");
});

test("bad input: unparsable selectors, invalid names, specs of the wrong shape each say why", () => {
  assert.equal(annotations({ "ferry.dev/sync-to-selector": "tier in (" }).errors[0]!.reason, "InvalidSelector");
  const names = annotations({ "ferry.dev/sync-to": "good, Not_A_Name" });
  assert.deepEqual(names.rules[0]!.targets.namespaces, ["good"]);
  assert.equal(names.errors[0]!.reason, "InvalidNamespace");
  assert.equal(annotations({ "ferry.dev/sync-to": " , " }).errors[0]!.reason, "NoTargets");
  assert.deepEqual(annotations({ unrelated: "x" }), { rules: [], errors: [] });
  const shape = resource({ apiVersion: "ferry.dev/v1alpha1", kind: "ClusterDistribution", metadata: { name: "x" }, spec: { source: { kind: "Pod", name: "s", namespace: "a" } } });
  assert.equal(shape.errors[0]!.reason, "InvalidSpec");
  assert.match(shape.errors[0]!.message, /spec\.source\.kind/);
  const selector = resource({
    apiVersion: "ferry.dev/v1alpha1",
    kind: "ClusterDistribution",
    metadata: { name: "x" },
    spec: { source: { kind: "Secret", name: "s", namespace: "a" }, targets: { namespaceSelector: { matchExpressions: [{ key: "k", operator: "In" }] } } },
  });
  assert.equal(selector.errors[0]!.reason, "InvalidSelector");
});

test("status: Ready with counts, the failing targets (at most 20) and the observed generation", () => {
  const manifest = { apiVersion: "ferry.dev/v1alpha1", kind: "ClusterDistribution", metadata: { name: "x", generation: 3 }, spec: {} };
  const cr = resourceFromManifest(manifest);
  const [rule] = resource({ ...manifest, spec: { source: { kind: "Secret", name: "s", namespace: "a" }, targets: { allNamespaces: true } } }).rules;
  const outcomes = Array.from({ length: 25 }, (_, i) => ({ namespace: `n${i}`, name: "s", state: "Conflict" as const, reason: "UnmanagedObjectExists", message: "taken" }));
  const status = distributionStatus(cr, [{ rule: rule!, desired: 30, synced: 5, conflicts: 25, failed: 0, outcomes }], []) as {
    observedGeneration: number;
    conditions: Array<{ status: string; reason: string }>;
    failingTargets: unknown[];
    failingTargetsOmitted: number;
  };
  assert.equal(status.observedGeneration, 3);
  assert.deepEqual([status.conditions[0]!.status, status.conditions[0]!.reason], ["False", "Conflict"]);
  assert.equal(status.failingTargets.length, 20);
  assert.equal(status.failingTargetsOmitted, 5);
  const synced = distributionStatus(cr, [{ rule: rule!, desired: 2, synced: 2, conflicts: 0, failed: 0, outcomes: [] }], []) as { conditions: Array<{ status: string }> };
  assert.equal(synced.conditions[0]!.status, "True");
});
