import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { RuleReport, TargetOutcome } from "../../../src/core/types.js";
import type { CustomResource } from "../../../src/dialects/dialect.js";
import { kruiseAnnotationsDialect } from "../../../src/dialects/kruise-annotations.js";
import { kruiseResourceDistributionDialect as rd } from "../../../src/dialects/kruise-resource-distribution.js";
import { RESOURCE_DISTRIBUTION_CONDITIONS } from "../../../src/dialects/kruise-resource-distribution-status.js";
import { anything, assertWellFormed, awkwardString, context, parseManifests, resourceFromManifest, sourceFromManifest } from "./helpers.js";
import { KRUISE_STORY_1 } from "../../support/seed-documents.js";

// Copied unchanged from the seed document openkruise-resource-distribution.md (Story 1).
const story1 = KRUISE_STORY_1;

// A ConfigMap distribution in the shape of OpenKruise's user manual.
const configMapDistribution = `apiVersion: apps.kruise.io/v1alpha1
kind: ResourceDistribution
metadata:
  name: game-config
  generation: 3
  uid: rd-uid-1
  creationTimestamp: "2024-05-01T10:00:00Z"
spec:
  resource:
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: game-demo
      labels:
        app: game
    data:
      player_initial_lives: "3"
      game.properties: |
        enemy.types=aliens,monsters
    binaryData:
      logo.png: iVBORw0KGgo=
  targets:
    includedNamespaces:
      list:
      - name: ns-1
      - name: ns-4
    namespaceLabelSelector:
      matchLabels:
        group: test
    excludedNamespaces:
      list:
      - name: ns-3
`;

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
const parseRd = (resource: CustomResource) => rd.fromCustomResource!(resource, context());

function distribution(spec: unknown, name = "dist"): CustomResource {
  return { apiVersion: "apps.kruise.io/v1alpha1", kind: "ResourceDistribution", metadata: { name, labels: {}, annotations: {} }, spec };
}

const secret = { apiVersion: "v1", kind: "Secret", metadata: { name: "creds" }, data: { token: b64("t") } };

test("seed: Story 1 as a ResourceDistribution yields the same distribution, content carried inline", () => {
  const [manifest] = parseManifests(story1);
  const annotationRule = kruiseAnnotationsDialect.fromSource!(sourceFromManifest(manifest!), context()).rules[0]!;
  const { annotations: _ignored, ...metadata } = manifest!.metadata as Record<string, unknown>;
  const resource = distribution(
    {
      resource: { ...manifest, metadata },
      targets: { includedNamespaces: { list: annotationRule.targets.namespaces.map((name) => ({ name })) } },
    },
    "namespaced-secret",
  );
  const result = parseRd(resource);
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.rules, [
    {
      id: "kruise-rd/ResourceDistribution/namespaced-secret",
      origin: { dialect: "kruise-rd", apiVersion: "apps.kruise.io/v1alpha1", kind: "ResourceDistribution", name: "namespaced-secret" },
      scope: "administrator",
      source: {
        kind: "Secret",
        namespace: "",
        name: "namespaced-secret",
        inline: { labels: {}, annotations: {}, type: "generic", data: { username: b64("admin"), password: b64("t0p-Secret") } },
      },
      targets: { namespaces: ["ns-1", "ns-2", "ns-3"], allNamespaces: false, exclude: ["kube-system", "kube-public"] },
      copy: { labels: {}, annotations: {} },
      prune: true,
      conflict: "skip",
    },
  ]);
});

test("a ConfigMap distribution: included names, label selector, exclusions, binaryData, metadata", () => {
  const [manifest] = parseManifests(configMapDistribution);
  const result = parseRd(resourceFromManifest(manifest!));
  assert.deepEqual(result.errors, []);
  const rule = result.rules[0]!;
  assert.equal(rule.id, "kruise-rd/ResourceDistribution/game-config");
  assert.equal(rule.origin.uid, "rd-uid-1");
  assert.equal(rule.createdAt, "2024-05-01T10:00:00Z");
  assert.deepEqual(rule.source, {
    kind: "ConfigMap",
    namespace: "",
    name: "game-demo",
    inline: {
      labels: { app: "game" },
      annotations: {},
      data: { player_initial_lives: "3", "game.properties": "enemy.types=aliens,monsters\n" },
      binaryData: { "logo.png": "iVBORw0KGgo=" },
    },
  });
  assert.deepEqual(rule.targets, {
    namespaces: ["ns-1", "ns-4"],
    allNamespaces: false,
    exclude: ["ns-3", "kube-system", "kube-public"],
    namespaceSelector: { matchLabels: { group: "test" } },
  });
});

test("allNamespaces never reaches kube-system or kube-public; an empty selector selects nothing, as in OpenKruise", () => {
  const rule = parseRd(distribution({ resource: secret, targets: { allNamespaces: true, namespaceLabelSelector: {} } })).rules[0]!;
  assert.equal(rule.targets.allNamespaces, true);
  assert.deepEqual(rule.targets.exclude, ["kube-system", "kube-public"]);
  assert.equal(rule.targets.namespaceSelector, undefined);
});

test("stringData is base64-encoded and overrides data; type defaults to Opaque; immutable is kept", () => {
  const rule = parseRd(
    distribution({
      resource: { ...secret, data: { a: b64("from-data"), b: b64("kept") }, stringData: { a: "from-stringData" }, immutable: true },
      targets: { includedNamespaces: { list: [{ name: "x" }] } },
    }),
  ).rules[0]!;
  assert.deepEqual(rule.source.inline, { labels: {}, annotations: {}, type: "Opaque", immutable: true, data: { a: b64("from-stringData"), b: b64("kept") } });
});

test("an invalid resource yields no rule and errors that name keys, never values", () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ ...secret, kind: "Deployment" }, /Secret or ConfigMap/],
    [{ ...secret, apiVersion: "apps/v1" }, /apiVersion must be "v1"/],
    [{ ...secret, metadata: { name: "Not_Valid" } }, /metadata.name/],
    [{ ...secret, data: { token: "not base64!!" } }, /data\["token"\] is not valid base64/],
    [{ ...secret, data: { "bad key": b64("x") } }, /invalid key "bad key"/],
    [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { n: 3 } }, /must be a string/],
    [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { k: "v" }, binaryData: { k: b64("v") } }, /both data and binaryData/],
    ["not an object", /complete Secret or ConfigMap/],
  ];
  for (const [resource, pattern] of cases) {
    const result = parseRd(distribution({ resource, targets: { allNamespaces: true } }));
    assert.deepEqual(result.rules, [], String(pattern));
    assert.ok(result.errors.some((error) => error.reason === "InvalidResource" && pattern.test(error.message)), String(pattern));
    assert.ok(result.errors.every((error) => !error.message.includes("not base64!!")));
  }
});

test("invalid target names and selectors are reported; the rest still applies", () => {
  const result = parseRd(
    distribution({
      resource: secret,
      targets: {
        includedNamespaces: { list: [{ name: "ok" }, { name: "Not OK" }, {}] },
        namespaceLabelSelector: { matchExpressions: [{ key: "tier", operator: "Near", values: ["x"] }] },
      },
    }),
  );
  assert.deepEqual(result.rules[0]!.targets.namespaces, ["ok"]);
  assert.equal(result.rules[0]!.targets.namespaceSelector, undefined);
  assert.deepEqual(result.errors.map((error) => error.reason).sort(), ["InvalidSelector", "InvalidTargets"]);
});

test("missing targets is reported; other kinds and API versions are not this dialect's", () => {
  const result = parseRd(distribution({ resource: secret }));
  assert.equal(result.errors[0]!.reason, "InvalidTargets");
  assert.deepEqual(result.rules[0]!.targets, { namespaces: [], allNamespaces: false, exclude: ["kube-system", "kube-public"] });
  assert.deepEqual(parseRd({ ...distribution({ resource: secret }), apiVersion: "apps.kruise.io/v1beta1" }), { rules: [], errors: [] });
  assert.deepEqual(parseRd({ ...distribution({ resource: secret }), kind: "CloneSet" }), { rules: [], errors: [] });
});

function outcome(namespace: string, state: TargetOutcome["state"], reason: string, message = ""): TargetOutcome {
  return { namespace, name: "creds", state, reason, message };
}

function report(partial: Partial<RuleReport>): RuleReport {
  const rule = parseRd(distribution({ resource: secret, targets: { allNamespaces: true } })).rules[0]!;
  return { rule, desired: 0, synced: 0, conflicts: 0, failed: 0, outcomes: [], ...partial };
}

test("status: all six OpenKruise conditions, False/Succeeded when all is well", () => {
  const resource = { ...distribution({}), metadata: { name: "dist", labels: {}, annotations: {}, generation: 7 } };
  const status = rd.statusFor!(resource, [report({ desired: 3, synced: 3 })], []);
  assert.deepEqual(status, {
    desired: 3,
    succeeded: 3,
    failed: 0,
    observedGeneration: 7,
    conditions: RESOURCE_DISTRIBUTION_CONDITIONS.map((type) => ({ type, status: "False", reason: "Succeeded", message: "" })),
  });
});

test("status: outcomes map to ConflictOccurred, NamespaceNotExists and the failed-operation conditions", () => {
  const status = rd.statusFor!(
    distribution({}),
    [
      report({
        desired: 6,
        synced: 1,
        conflicts: 1,
        failed: 2,
        outcomes: [
          outcome("ns-b", "Conflict", "Unmanaged", "an object not written by Ferry exists"),
          outcome("ns-a", "NamespaceNotFound", "NamespaceNotFound", "namespace ns-a does not exist (yet)"),
          outcome("ns-d", "Failed", "UpdateFailed", "update rejected"),
          outcome("ns-c", "Failed", "CreateFailed", "create rejected"),
          outcome("ns-e", "Denied", "ProtectedNamespace", "protected"),
          outcome("ns-f", "Pending", "Pending", "waiting"),
        ],
      }),
    ],
    [],
  ) as { conditions: Array<Record<string, unknown>>; failed: number };
  const byType = new Map(status.conditions.map((condition) => [condition.type, condition]));
  assert.equal(status.failed, 5);
  assert.deepEqual(byType.get("ConflictOccurred"), {
    type: "ConflictOccurred",
    status: "True",
    reason: "Unmanaged",
    message: "an object not written by Ferry exists",
    failedNamespace: ["ns-b"],
  });
  assert.deepEqual(byType.get("NamespaceNotExists")!.failedNamespace, ["ns-a"]);
  assert.deepEqual(byType.get("UpdateResourceFailed")!.failedNamespace, ["ns-d"]);
  assert.deepEqual(byType.get("CreateResourceFailed")!.failedNamespace, ["ns-c"]);
  assert.equal(byType.get("DeleteResourceFailed")!.status, "False");
  assert.deepEqual(byType.get("DistributionDenied")!.failedNamespace, ["ns-e"]);
  assert.deepEqual(
    status.conditions.slice(0, 6).map((condition) => condition.type),
    [...RESOURCE_DISTRIBUTION_CONDITIONS],
    "OpenKruise's order is kept",
  );
});

test("status: a missing source and parse errors are surfaced; the result is deterministic", () => {
  const reports = [report({ problem: { reason: "SourceNotFound", message: "no source" } })];
  const errors = parseRd(distribution({ resource: { ...secret, kind: "Pod" }, targets: {} })).errors;
  const first = rd.statusFor!(distribution({}), reports, errors) as { conditions: Array<Record<string, unknown>> };
  const second = rd.statusFor!(distribution({}), reports, errors);
  assert.deepEqual(first, second);
  assert.equal(first.conditions.find((condition) => condition.type === "GetResourceFailed")!.status, "True");
  const invalid = first.conditions.find((condition) => condition.type === "SpecInvalid")!;
  assert.equal(invalid.status, "True");
  assert.equal(invalid.reason, "InvalidResource");
  assert.ok(first.conditions.every((condition) => !("lastTransitionTime" in condition)));
});

test("property: any spec gives well-formed rules or typed errors, never an exception", () => {
  const value = fc.oneof(awkwardString, anything);
  const dataMap = fc.dictionary(fc.oneof(fc.constantFrom("a", "b.c", "k_1"), fc.string()), fc.oneof(awkwardString, fc.constant(b64("x"))), { maxKeys: 3 });
  const resourceArb = fc.record(
    {
      apiVersion: fc.constantFrom("v1", "apps/v1", undefined),
      kind: fc.constantFrom("Secret", "ConfigMap", "Pod", undefined),
      metadata: fc.record({ name: fc.oneof(fc.constantFrom("x", "a.b", "Bad"), awkwardString), labels: fc.oneof(fc.dictionary(fc.string(), fc.string()), value) }, { requiredKeys: [] }),
      data: fc.oneof(dataMap, value),
      stringData: fc.oneof(dataMap, value),
      binaryData: fc.oneof(dataMap, value),
      type: fc.oneof(fc.constantFrom("Opaque", ""), value),
      immutable: fc.oneof(fc.boolean(), value),
    },
    { requiredKeys: [] },
  );
  const list = fc.record({ list: fc.oneof(fc.array(fc.record({ name: fc.oneof(awkwardString, value) }, { requiredKeys: [] }), { maxLength: 3 }), value) }, { requiredKeys: [] });
  const targetsArb = fc.record(
    {
      allNamespaces: fc.oneof(fc.boolean(), value),
      includedNamespaces: fc.oneof(list, value),
      excludedNamespaces: fc.oneof(list, value),
      namespaceLabelSelector: fc.oneof(
        fc.record(
          {
            matchLabels: fc.oneof(fc.dictionary(awkwardString, awkwardString, { maxKeys: 2 }), value),
            matchExpressions: fc.oneof(
              fc.array(fc.record({ key: awkwardString, operator: fc.constantFrom("In", "NotIn", "Exists", "DoesNotExist", "Bad"), values: fc.oneof(fc.array(awkwardString, { maxLength: 2 }), value) }, { requiredKeys: [] }), { maxLength: 2 }),
              value,
            ),
          },
          { requiredKeys: [] },
        ),
        value,
      ),
    },
    { requiredKeys: [] },
  );
  fc.assert(
    fc.property(fc.record({ resource: fc.oneof(resourceArb, value), targets: fc.oneof(targetsArb, value) }, { requiredKeys: [] }), (spec) => {
      const resource = distribution(spec);
      const result = parseRd(resource);
      assertWellFormed(result, "kruise-rd");
      for (const rule of result.rules) {
        assert.ok(rule.targets.exclude.includes("kube-system") && rule.targets.exclude.includes("kube-public"));
        assert.ok(rule.source.inline);
      }
      const status = rd.statusFor!(resource, [], result.errors);
      assert.ok(status && Array.isArray(status.conditions));
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(anything, (input) => {
      assertWellFormed(rd.fromCustomResource!(input as never, context()), "kruise-rd");
    }),
    { numRuns: 200 },
  );
});
