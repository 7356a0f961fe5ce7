// Which errors hold copies. An object Ferry cannot read (a value that does not parse, an invalid
// item, a selector or regex that does not compile, a kind the format does not have) holds the
// copies its rules no longer claim; an error that reports a state Ferry understood (something the
// object names is gone or refuses, the object asks for nothing, a feature Ferry leaves alone)
// holds nothing, so its copies follow the plan (docs/dialects.md, "Bad input and restarts").
import assert from "node:assert/strict";
import { test } from "node:test";
import { unreadableOrigin } from "../../../src/core/held-copies.js";
import type { ParseResult } from "../../../src/core/types.js";
import { builtInDialects } from "../../../src/dialects/all.js";
import type { CustomResource } from "../../../src/dialects/dialect.js";
import { dialectByName } from "../../../src/dialects/index.js";
import { registryCredsDialect } from "../../../src/registry/registry-dialect.js";
import { context, source } from "./helpers.js";

const dialect = (name: string) => (name === "registry-creds" ? registryCredsDialect : dialectByName(builtInDialects, name)!);
const fromSource = (name: string, annotations: Record<string, string>, labels: Record<string, string> = {}, kind: "Secret" | "ConfigMap" = "Secret", namespace = "apps") =>
  dialect(name).fromSource!(source(kind, namespace, "obj", annotations, labels), context({ sources: [source("Secret", "shared", "src", {})] }));
const API = "tenantoperator.stakater.com/v1alpha1";
const template = (name: string, resources: unknown) => ({ apiVersion: API, kind: "Template", metadata: { name, labels: {}, annotations: {} }, resources }) as CustomResource;
const tgi = (spec: unknown) => ({ apiVersion: API, kind: "TemplateGroupInstance", metadata: { name: "tgi", labels: {}, annotations: {} }, spec }) as CustomResource;
const stakater = (spec: unknown, ...templates: CustomResource[]) => dialect("stakater").fromCustomResource!(tgi(spec), context({ resources: templates }));
const mapped = template("t", { resourceMappings: { secrets: [{ name: "registry", namespace: "default" }] } });
const selector = { matchLabels: { kind: "registry" } };

/** The reasons of a result, and whether it holds copies. */
function kind(result: ParseResult): { reasons: string[]; holds: boolean } {
  return { reasons: result.errors.map((error) => error.reason), holds: unreadableOrigin(result) !== undefined };
}

test("unreadable input holds copies", () => {
  const cases: Array<[string, ParseResult, string]> = [
    ["native selector", fromSource("native", { "ferry.dev/sync-to-selector": "env in (unclosed" }), "InvalidSelector"],
    ["native list item", fromSource("native", { "ferry.dev/sync-to": "a, B@d" }), "InvalidNamespace"],
    ["kruise mode", fromSource("kruise", { "openkruise.io/sync-to": "everywhere" }), "InvalidAnnotation"],
    ["kruise list item", fromSource("kruise", { "openkruise.io/sync-to": "namespaces", "openkruise.io/sync-to-namespaces": "a;B@d" }), "InvalidNamespaceName"],
    ["whisperer kind", fromSource("whisperer", { "secret-syncer.jeffl.es/namespaces": "a" }, { "secret-syncer.jeffl.es/sync": "true" }, "ConfigMap"), "UnsupportedKind"],
    ["replicator regex", fromSource("replicator", { "replicator.v1.mittwald.de/replicate-to": "[a-" }), "InvalidPattern"],
    ["replicator pull ref", fromSource("replicator", { "replicator.v1.mittwald.de/replicate-from": "a/b/c" }), "InvalidAnnotation"],
    ["reflector selector", fromSource("reflector", { "reflector.v1.k8s.emberstack.com/reflection-allowed": "true", "reflector.v1.k8s.emberstack.com/reflection-auto-enabled": "true", "reflector.v1.k8s.emberstack.com/reflection-auto-namespaces-selector": "a in (" }), "InvalidSelector"],
    ["kubed selector", fromSource("kubed", { "kubed.appscode.com/sync": "a in (" }), "InvalidSelector"],
    ["mwsync value", fromSource("mwsync", { "mw-sync": "perhaps" }, {}, "Secret", "ferry-system"), "InvalidAnnotation"],
    ["registry-creds JSON", fromSource("registry-creds", { "ferry.dev/registry-credential": "{" }, {}, "Secret", "ferry-system"), "InvalidAnnotation"],
    ["stakater selector", stakater({ template: "t", selector: { matchExpressions: [{ key: "a", operator: "Near" }] } }, mapped), "InvalidSelector"],
    ["stakater template name", stakater({ selector }, mapped), "InvalidSpec"],
    ["stakater mapping entry", stakater({ template: "t", selector }, template("t", { resourceMappings: { secrets: "registry" } })), "InvalidTemplate"],
  ];
  for (const [name, result, reason] of cases) assert.deepEqual(kind(result), { reasons: [reason], holds: true }, name);
});

test("states hold nothing: their copies follow the plan", () => {
  const cases: Array<[string, ParseResult, string]> = [
    ["native emptied", fromSource("native", { "ferry.dev/sync-to": "" }), "NoTargets"],
    ["kruise emptied list", fromSource("kruise", { "openkruise.io/sync-to": "namespaces", "openkruise.io/sync-to-namespaces": "" }), "InvalidAnnotation"],
    ["kruise list alone", fromSource("kruise", { "openkruise.io/sync-to-namespaces": "a" }), "InvalidAnnotation"],
    ["whisperer emptied list", fromSource("whisperer", { "secret-syncer.jeffl.es/namespaces": "" }, { "secret-syncer.jeffl.es/sync": "true" }), "InvalidAnnotation"],
    ["replicator source gone", fromSource("replicator", { "replicator.v1.mittwald.de/replicate-from": "shared/gone" }), "SourceNotFound"],
    ["replicator consent", fromSource("replicator", { "replicator.v1.mittwald.de/replicate-from": "shared/src" }), "ReplicationNotAllowed"],
    ["reflector consent", fromSource("reflector", { "reflector.v1.k8s.emberstack.com/reflects": "shared/src" }), "ReflectionNotAllowed"],
    ["kubed contexts", fromSource("kubed", { "kubed.appscode.com/sync": "", "kubed.appscode.com/sync-contexts": "other" }), "UnsupportedAnnotation"],
    ["mwsync elsewhere", fromSource("mwsync", { "mw-sync": "yes" }), "NotInFerryNamespace"],
    ["stakater template gone", stakater({ template: "t", selector }), "TemplateNotFound"],
    ["stakater template emptied", stakater({ template: "t", selector }, template("t", { resourceMappings: {} })), "EmptyTemplate"],
    ["stakater selector removed", stakater({ template: "t" }, mapped), "InvalidSpec"],
    ["stakater manifests", stakater({ template: "t", selector }, template("t", { manifests: [{ kind: "Secret" }] })), "UnsupportedTemplateFeature"],
  ];
  for (const [name, result, reason] of cases) assert.deepEqual(kind(result), { reasons: [reason], holds: false }, name);
});
