import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { CustomResource } from "../../../src/dialects/dialect.js";
import { stakaterDialect as stakater } from "../../../src/dialects/stakater.js";
import { anything, assertWellFormed, awkwardString, context, parseManifests, resourceFromManifest } from "./helpers.js";
import { STAKATER_TEMPLATE, STAKATER_TEMPLATE_GROUP_INSTANCE } from "../../support/seed-documents.js";

// Copied unchanged from the seed document stakater-mto-template.md.
const templateYaml = STAKATER_TEMPLATE;
const groupInstanceYaml = STAKATER_TEMPLATE_GROUP_INSTANCE;

const API = "tenantoperator.stakater.com/v1alpha1";

function template(name: string, resources: unknown): CustomResource {
  return { apiVersion: API, kind: "Template", metadata: { name, labels: {}, annotations: {} }, resources } as CustomResource;
}

function groupInstance(spec: unknown, name = "tgi"): CustomResource {
  return { apiVersion: API, kind: "TemplateGroupInstance", metadata: { name, labels: {}, annotations: {}, generation: 2 }, spec };
}

function instance(spec: unknown, namespace = "build", name = "ti"): CustomResource {
  return { apiVersion: API, kind: "TemplateInstance", metadata: { name, namespace, labels: {}, annotations: {} }, spec };
}

const mixedTemplate = template("mixed", {
  resourceMappings: {
    secrets: [{ name: "docker-secret", namespace: "bluesky-build" }],
    configMaps: [{ name: "tronador-config", namespace: "stakater-tronador" }],
  },
  manifests: [{ apiVersion: "v1", kind: "Secret", metadata: { name: "inline" } }],
  helm: { releaseName: "redis" },
});

test("seed: the TemplateGroupInstance copies default/registry into namespaces labelled kind=registry", () => {
  const [templateManifest] = parseManifests(templateYaml);
  const [tgiManifest] = parseManifests(groupInstanceYaml);
  const ctx = context({ resources: [resourceFromManifest(templateManifest!)] });
  assert.deepEqual(stakater.fromCustomResource!(resourceFromManifest(templateManifest!), ctx), { rules: [], errors: [] }, "a Template asks for nothing");
  const result = stakater.fromCustomResource!(resourceFromManifest(tgiManifest!), ctx);
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.rules, [
    {
      id: "stakater/TemplateGroupInstance/registry-secret-group-instance/Secret/default/registry",
      origin: { dialect: "stakater", apiVersion: API, kind: "TemplateGroupInstance", name: "registry-secret-group-instance" },
      scope: "administrator",
      source: { kind: "Secret", namespace: "default", name: "registry" },
      targets: { namespaces: [], allNamespaces: false, exclude: ["default"], namespaceSelector: { matchLabels: { kind: "registry" } } },
      copy: { labels: {}, annotations: {} },
      prune: true,
      conflict: "skip",
    },
  ]);
});

test("a TemplateInstance copies the mapped objects into its own namespace only, as a tenant's rule", () => {
  const ctx = context({ resources: [mixedTemplate] });
  const result = stakater.fromCustomResource!(instance({ template: "mixed", sync: false }), ctx);
  assert.deepEqual(
    result.rules.map((rule) => [rule.id, rule.source, rule.targets, rule.scope]),
    [
      [
        "stakater/TemplateInstance/build/ti/Secret/bluesky-build/docker-secret",
        { kind: "Secret", namespace: "bluesky-build", name: "docker-secret" },
        { namespaces: ["build"], allNamespaces: false, exclude: ["bluesky-build"] },
        "tenant",
      ],
      [
        "stakater/TemplateInstance/build/ti/ConfigMap/stakater-tronador/tronador-config",
        { kind: "ConfigMap", namespace: "stakater-tronador", name: "tronador-config" },
        { namespaces: ["build"], allNamespaces: false, exclude: ["stakater-tronador"] },
        "tenant",
      ],
    ],
  );
});

test("manifests and helm are unsupported: reported, while the mapped objects still get rules", () => {
  const ctx = context({ resources: [mixedTemplate] });
  const result = stakater.fromCustomResource!(groupInstance({ template: "mixed", selector: { matchLabels: { team: "a" } } }), ctx);
  assert.equal(result.rules.length, 2);
  assert.equal(result.errors.length, 1);
  assert.equal(result.errors[0]!.reason, "UnsupportedTemplateFeature");
  assert.match(result.errors[0]!.message, /resources\.manifests \(1 manifest\) and resources\.helm/);
  assert.match(result.errors[0]!.message, /resourceMappings/);
});

test("a missing Template is TemplateNotFound; a missing template name is InvalidSpec", () => {
  const missing = stakater.fromCustomResource!(groupInstance({ template: "nope", selector: { matchLabels: { a: "b" } } }), context());
  assert.deepEqual(missing.rules, []);
  assert.equal(missing.errors[0]!.reason, "TemplateNotFound");
  const unnamed = stakater.fromCustomResource!(instance({}), context());
  assert.equal(unnamed.errors[0]!.reason, "InvalidSpec");
});

test("selectors: missing selects nothing (error), {} selects all, matchExpressions work, invalid is reported", () => {
  const ctx = context({ resources: [mixedTemplate] });
  const none = stakater.fromCustomResource!(groupInstance({ template: "mixed" }), ctx);
  assert.deepEqual(none.rules, []);
  assert.ok(none.errors.some((error) => error.reason === "InvalidSpec"));
  const all = stakater.fromCustomResource!(groupInstance({ template: "mixed", selector: {} }), ctx);
  assert.equal(all.rules[0]!.targets.allNamespaces, true);
  const expressions = stakater.fromCustomResource!(
    groupInstance({ template: "mixed", selector: { matchExpressions: [{ key: "stakater.com/tenant", operator: "In", values: ["alpha", "beta"] }] } }),
    ctx,
  );
  assert.deepEqual(expressions.rules[0]!.targets.namespaceSelector, { matchExpressions: [{ key: "stakater.com/tenant", operator: "In", values: ["alpha", "beta"] }] });
  const invalid = stakater.fromCustomResource!(groupInstance({ template: "mixed", selector: { matchLabels: { "bad key!": "x" } } }), ctx);
  assert.deepEqual(invalid.rules, []);
  assert.ok(invalid.errors.some((error) => error.reason === "InvalidSelector"));
});

test("bad mapping entries are reported and skipped; duplicates collapse; an empty Template says so", () => {
  const ctx = context({
    resources: [
      template("odd", { resourceMappings: { secrets: [{ name: "ok", namespace: "ns" }, { name: "ok", namespace: "ns" }, { name: "x" }, "junk"], configMaps: "nope" } }),
      template("empty", {}),
    ],
  });
  const odd = stakater.fromCustomResource!(instance({ template: "odd" }), ctx);
  assert.equal(odd.rules.length, 1);
  assert.deepEqual(odd.errors.map((error) => error.reason), ["InvalidTemplate", "InvalidTemplate", "InvalidTemplate"]);
  const empty = stakater.fromCustomResource!(instance({ template: "empty" }), ctx);
  assert.deepEqual(empty.rules, []);
  assert.equal(empty.errors[0]!.reason, "EmptyTemplate");
});

test("status: Ready plus one condition per error reason, deterministic, no timestamps", () => {
  const ctx = context({ resources: [mixedTemplate] });
  const resource = groupInstance({ template: "mixed", selector: { matchLabels: { team: "a" } } });
  const { rules, errors } = stakater.fromCustomResource!(resource, ctx);
  const reports = rules.map((rule) => ({ rule, desired: 2, synced: 2, conflicts: 0, failed: 0, outcomes: [] }));
  const status = stakater.statusFor!(resource, reports, errors) as { conditions: Array<Record<string, unknown>> };
  assert.deepEqual(status, stakater.statusFor!(resource, reports, errors));
  assert.equal((status as Record<string, unknown>).observedGeneration, 2);
  assert.deepEqual(status.conditions[0]!.type, "Ready");
  assert.equal(status.conditions[0]!.status, "False");
  assert.equal(status.conditions[0]!.reason, "UnsupportedTemplateFeature");
  const unsupported = status.conditions.find((condition) => condition.type === "UnsupportedTemplateFeature")!;
  assert.equal(unsupported.status, "True");
  assert.match(String(unsupported.message), /Ferry does not apply/);
  assert.ok(status.conditions.every((condition) => !("lastTransitionTime" in condition)));

  const clean = stakater.statusFor!(resource, reports, []) as { conditions: Array<Record<string, unknown>>; synced: number };
  assert.deepEqual(clean.conditions, [{ type: "Ready", status: "True", reason: "Synced", message: "4 of 4 copies synced" }]);
  const pending = stakater.statusFor!(resource, [{ ...reports[0]!, synced: 1 }], []) as { conditions: Array<Record<string, unknown>> };
  assert.equal(pending.conditions[0]!.reason, "Pending");
  assert.equal(stakater.statusFor!(mixedTemplate, [], []), undefined);
});

test("property: any instance or template gives well-formed rules or typed errors, never an exception", () => {
  const value = fc.oneof(awkwardString, anything);
  const entry = fc.record({ name: fc.oneof(fc.constantFrom("registry", "a.b"), value), namespace: fc.oneof(fc.constantFrom("default", "ns-1"), value) }, { requiredKeys: [] });
  const resources = fc.oneof(
    fc.record(
      {
        resourceMappings: fc.oneof(fc.record({ secrets: fc.oneof(fc.array(entry, { maxLength: 3 }), value), configMaps: fc.oneof(fc.array(entry, { maxLength: 3 }), value) }, { requiredKeys: [] }), value),
        manifests: fc.oneof(fc.array(anything, { maxLength: 2 }), value),
        helm: value,
      },
      { requiredKeys: [] },
    ),
    value,
  );
  const selector = fc.oneof(
    fc.record({ matchLabels: fc.oneof(fc.dictionary(awkwardString, awkwardString, { maxKeys: 2 }), value), matchExpressions: value }, { requiredKeys: [] }),
    value,
  );
  fc.assert(
    fc.property(resources, fc.record({ template: fc.oneof(fc.constant("t"), value), selector, sync: value }, { requiredKeys: [] }), fc.boolean(), (content, spec, grouped) => {
      const ctx = context({ resources: [template("t", content)] });
      const resource = grouped ? groupInstance(spec) : instance(spec);
      const result = stakater.fromCustomResource!(resource, ctx);
      assertWellFormed(result, "stakater");
      for (const rule of result.rules) assert.equal(rule.scope, grouped ? "administrator" : "tenant");
      const status = stakater.statusFor!(resource, [], result.errors);
      assert.ok(status && Array.isArray(status.conditions));
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(anything, (input) => {
      assertWellFormed(stakater.fromCustomResource!(input as never, context()), "stakater");
    }),
    { numRuns: 200 },
  );
});
