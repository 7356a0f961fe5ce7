// Shared fixtures for the dialect tests: YAML manifests to dialect inputs, a fake context, and
// the well-formedness check every property test applies to a ParseResult.
import assert from "node:assert/strict";
import fc from "fast-check";
import { parseAllDocuments } from "yaml";
import { validateLabelSelector } from "../../../src/core/label-selector.js";
import { anchoredRegExp, validateNameOrGlob } from "../../../src/core/name-pattern.js";
import { isRuleOf, originId } from "../../../src/core/rule-id.js";
import type { ParseResult, SourceKind } from "../../../src/core/types.js";
import type { CustomResource, CustomResourceType, DialectContext, SourceMetadata } from "../../../src/dialects/dialect.js";

/** Parses every document of a YAML text (as kubectl would read a file). */
export function parseManifests(text: string): Array<Record<string, unknown>> {
  return parseAllDocuments(text).map((document) => {
    assert.deepEqual(document.errors, [], "the example YAML parses");
    return document.toJS() as Record<string, unknown>;
  });
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}

function strings(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, entry] of Object.entries(record(value))) out[key] = String(entry);
  return out;
}

/** What the metadata-only watch would report for a Secret/ConfigMap manifest once applied. */
export function sourceFromManifest(manifest: Record<string, unknown>, defaultNamespace = "default"): SourceMetadata {
  const metadata = record(manifest.metadata);
  const meta: SourceMetadata = {
    kind: manifest.kind as SourceKind,
    namespace: typeof metadata.namespace === "string" ? metadata.namespace : defaultNamespace,
    name: String(metadata.name),
    labels: strings(metadata.labels),
    annotations: strings(metadata.annotations),
  };
  if (typeof metadata.uid === "string") meta.uid = metadata.uid;
  if (typeof metadata.creationTimestamp === "string") meta.creationTimestamp = metadata.creationTimestamp;
  if (typeof manifest.type === "string") meta.type = manifest.type;
  return meta;
}

/** A custom resource as the controller hands it over: the whole object, metadata normalised. */
export function resourceFromManifest(manifest: Record<string, unknown>): CustomResource {
  const metadata = record(manifest.metadata);
  const resource = {
    ...manifest,
    apiVersion: String(manifest.apiVersion),
    kind: String(manifest.kind),
    metadata: {
      name: String(metadata.name),
      labels: strings(metadata.labels),
      annotations: strings(metadata.annotations),
      ...(typeof metadata.namespace === "string" ? { namespace: metadata.namespace } : {}),
      ...(typeof metadata.uid === "string" ? { uid: metadata.uid } : {}),
      ...(typeof metadata.generation === "number" ? { generation: metadata.generation } : {}),
      ...(typeof metadata.creationTimestamp === "string" ? { creationTimestamp: metadata.creationTimestamp } : {}),
    },
  };
  return resource as CustomResource;
}

export function source(
  kind: SourceKind,
  namespace: string,
  name: string,
  annotations: Record<string, string> = {},
  labels: Record<string, string> = {},
  extra: Partial<SourceMetadata> = {},
): SourceMetadata {
  return { kind, namespace, name, annotations, labels, ...extra };
}

export interface FakeWorld {
  sources?: SourceMetadata[];
  resources?: CustomResource[];
  ferryNamespace?: string;
  clusterName?: string;
}

export function context(world: FakeWorld = {}): DialectContext {
  return {
    ferryNamespace: world.ferryNamespace ?? "ferry-system",
    clusterName: world.clusterName ?? "local",
    lookupSource(kind, namespace, name) {
      return world.sources?.find((entry) => entry.kind === kind && entry.namespace === namespace && entry.name === name);
    },
    lookupCustomResource(type: CustomResourceType, namespace, name) {
      return world.resources?.find(
        (entry) =>
          entry.apiVersion === `${type.group}/${type.version}` &&
          entry.kind === type.kind &&
          entry.metadata.name === name &&
          (entry.metadata.namespace ?? undefined) === (namespace ?? undefined),
      );
    },
  };
}

const kinds = new Set(["Secret", "ConfigMap"]);
const conflicts = new Set(["skip", "adopt", "overwrite"]);
const scopes = new Set(["administrator", "tenant"]);

/** Every rule and error is shaped as the engine expects; ids are unique. */
export function assertWellFormed(result: ParseResult, dialect: string): void {
  assert.ok(Array.isArray(result.rules) && Array.isArray(result.errors));
  const ids = new Set<string>();
  for (const rule of result.rules) {
    assert.equal(typeof rule.id, "string");
    assert.ok(rule.id.startsWith(`${dialect}/`), `rule id ${rule.id} starts with the dialect name`);
    assert.ok(!ids.has(rule.id), `rule id ${rule.id} is unique`);
    ids.add(rule.id);
    assert.equal(rule.origin.dialect, dialect);
    // How the copies of an object's rules are found from the object alone (core/held-copies.ts).
    assert.ok(isRuleOf(rule.id, originId(rule.origin)), `rule id ${rule.id} starts with its origin's id ${originId(rule.origin)}`);
    assert.equal(typeof rule.origin.apiVersion, "string");
    assert.equal(typeof rule.origin.kind, "string");
    assert.ok(rule.origin.name.length > 0);
    assert.ok(scopes.has(rule.scope));
    assert.ok(kinds.has(rule.source.kind));
    assert.equal(typeof rule.source.namespace, "string");
    assert.ok(rule.source.name.length > 0);
    assert.ok(Array.isArray(rule.targets.namespaces));
    assert.ok(Array.isArray(rule.targets.exclude));
    assert.equal(typeof rule.targets.allNamespaces, "boolean");
    for (const entry of [...rule.targets.namespaces, ...rule.targets.exclude]) validateNameOrGlob(entry);
    for (const pattern of [...(rule.targets.namespaceRegexes ?? []), ...(rule.targets.excludeRegexes ?? [])]) anchoredRegExp(pattern);
    if (rule.targets.namespaceSelector) validateLabelSelector(rule.targets.namespaceSelector);
    assert.equal(typeof rule.copy.labels, "object");
    assert.equal(typeof rule.copy.annotations, "object");
    for (const value of Object.values(rule.copy.labels)) assert.equal(typeof value, "string");
    assert.equal(typeof rule.prune, "boolean");
    assert.ok(conflicts.has(rule.conflict));
    if (rule.pull) {
      assert.equal(rule.conflict, "overwrite");
      assert.equal(rule.targets.namespaces.length, 1);
      assert.equal(typeof rule.copy.name, "string");
    } else {
      assert.equal(rule.conflict, "skip");
    }
  }
  const origins = new Set([...result.rules, ...result.errors].map((entry) => originId(entry.origin)));
  assert.ok(origins.size <= 1, `one input object, one origin: ${[...origins].join(", ")}`);
  for (const error of result.errors) {
    assert.equal(error.origin.dialect, dialect);
    assert.ok(error.describesState === undefined || error.describesState === true);
    assert.equal(typeof error.reason, "string");
    assert.ok(error.reason.length > 0);
    assert.equal(typeof error.message, "string");
    assert.ok(error.message.length <= 1024);
  }
}

/** Strings that stress list and selector parsers: separators, blanks, regex and selector syntax. */
export const awkwardString: fc.Arbitrary<string> = fc.oneof(
  fc.string(),
  fc.string({ unit: fc.constantFrom("a", "b", "-", ",", ";", " ", "/", "*", "[", "]", "(", ")", "=", "!", "0", ".", "^", "$", "\\", "?", "+", "|", "{", "}") }),
  fc.constantFrom("", " ", "true", "false", "True", "yes", "no", "cluster", "namespaces", "ns-1;ns-2", "a, b ,,c", "app=kubed", "a in (x,y),!b", "default/source", "/", "ns/", "/name", ".*", "[", "(?<x>", "a{2,1}"),
);

export const namespaceName: fc.Arbitrary<string> = fc.constantFrom("default", "ns-1", "ns-2", "team-a", "kube-system", "ferry-system", "source");

/** A random annotation (or label) map whose keys are mostly the dialect's own keys. */
export function annotationMap(keys: readonly string[]): fc.Arbitrary<Record<string, string>> {
  return fc.dictionary(fc.oneof(fc.constantFrom(...keys), fc.string()), awkwardString, { maxKeys: 6 });
}

/** Random Secret/ConfigMap metadata with the given annotation keys likely present. */
export function sourceMetadata(keys: readonly string[]): fc.Arbitrary<SourceMetadata> {
  return fc.record({
    kind: fc.constantFrom<SourceKind>("Secret", "ConfigMap"),
    namespace: namespaceName,
    name: fc.oneof(fc.constantFrom("src", "sync", "pull-secret"), fc.string()),
    labels: annotationMap(keys),
    annotations: annotationMap(keys),
  });
}

/** Anything at all, for feeding parsers inputs that are not even shaped like their types. */
export const anything: fc.Arbitrary<unknown> = fc.anything({ maxDepth: 3 });
