// One label-selector schema: the zod validator and the CRD's OpenAPI schema come from the same
// definition, and the dialects' reader of hand-written selectors speaks its terms.
import assert from "node:assert/strict";
import { test } from "node:test";
import { labelSelectorSchema } from "../../../src/core/label-selector-schema.js";
import { crdSchema } from "../../../src/crds/crd-schema.js";
import { labelSelector, nativeCrds } from "../../../src/crds/native-crds.js";
import { readLabelSelector } from "../../../src/dialects/input.js";

test("the CRD schema of a selector is the zod schema's, with the apiserver's CEL rule and atomic map type", () => {
  const json = crdSchema(labelSelectorSchema) as {
    type: string;
    properties: { matchExpressions: { items: { required: string[]; properties: { operator: { enum: string[] } }; "x-kubernetes-validations": unknown[] } } };
    "x-kubernetes-map-type": string;
  };
  assert.deepEqual(json, labelSelector);
  assert.equal(json.type, "object");
  assert.deepEqual(json.properties.matchExpressions.items.required, ["key", "operator"]);
  assert.deepEqual(json.properties.matchExpressions.items.properties.operator.enum, ["In", "NotIn", "Exists", "DoesNotExist"]);
  assert.equal(json.properties.matchExpressions.items["x-kubernetes-validations"].length, 1);
  assert.equal(json["x-kubernetes-map-type"], "atomic");
  assert.ok(!("$schema" in json) && !("additionalProperties" in json), "no keywords a structural schema refuses");
  const distribution = JSON.stringify(nativeCrds[0]);
  assert.ok(distribution.includes(JSON.stringify(labelSelector)), "the Distribution CRD embeds it");
});

test("the zod schema accepts what the CRD accepts and refuses unknown operators", () => {
  assert.ok(labelSelectorSchema.safeParse({ matchLabels: { a: "b" }, matchExpressions: [{ key: "k", operator: "In", values: ["x"] }] }).success);
  assert.ok(labelSelectorSchema.safeParse({}).success);
  assert.ok(!labelSelectorSchema.safeParse({ matchExpressions: [{ key: "k", operator: "Has" }] }).success);
});

test("readLabelSelector: nulls mean absent, problems are said in the selector's terms", () => {
  assert.deepEqual(readLabelSelector({ matchLabels: null, matchExpressions: [{ key: "k", operator: "Exists", values: null }] }), {
    selector: { matchExpressions: [{ key: "k", operator: "Exists" }] },
  });
  assert.deepEqual(readLabelSelector({ matchLabels: {} }), { selector: {} });
  assert.match(readLabelSelector("x").problem!, /must be an object/);
  assert.match(readLabelSelector({ matchLabels: [] }).problem!, /matchLabels must be a map of strings/);
  assert.match(readLabelSelector({ matchLabels: { a: 1 } }).problem!, /matchLabels\["a"\] must be a string/);
  assert.match(readLabelSelector({ matchExpressions: {} }).problem!, /matchExpressions must be a list/);
  assert.match(readLabelSelector({ matchExpressions: [{ key: "k", operator: "Has" }] }).problem!, /matchExpressions\[0\] has unknown operator "Has"/);
  assert.match(readLabelSelector({ matchExpressions: [{ key: "k", operator: 3 }] }).problem!, /matchExpressions\[0\] needs a string key and operator/);
  assert.match(readLabelSelector({ matchExpressions: [{ key: "k", operator: "In", values: [1] }] }).problem!, /matchExpressions\[0\]\.values must be a list of strings/);
  assert.match(readLabelSelector({ matchExpressions: [{ key: "k", operator: "In" }] }).problem!, /needs values/);
});
