// Reading dialect input without trusting it: lists, names, regular expressions, label selectors,
// object references and metadata that may be malformed. Pure: no I/O, no clock.
import { anchoredRegExp, PatternError } from "../core/name-pattern.js";
import { labelSelectorSchema } from "../core/label-selector-schema.js";
import { validateLabelSelector, SelectorError } from "../core/label-selector.js";
import type { LabelSelector, SourceKind } from "../core/types.js";
import type { CustomResource, SourceMetadata } from "./dialect.js";

const NAMESPACE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** An RFC 1123 label: what a namespace name must be. */
export function isNamespaceName(value: string): boolean {
  return value.length <= 63 && NAMESPACE_NAME.test(value);
}

/** An RFC 1123 subdomain: what a Secret/ConfigMap name must be. */
export function isObjectName(value: string): boolean {
  return value.length <= 253 && DNS_SUBDOMAIN.test(value);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The string entries of a map; anything else (non-object input, non-string values) is dropped. */
export function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRecord(value)) return out;
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry === "string") out[key] = entry;
  }
  return out;
}

/** Splits a list annotation: trims items, drops empty ones, keeps the first of duplicates. */
export function splitList(value: string, separator: string | RegExp): string[] {
  const seen = new Set<string>();
  const items: string[] = [];
  for (const raw of value.split(separator)) {
    const item = raw.trim();
    if (item === "" || seen.has(item)) continue;
    seen.add(item);
    items.push(item);
  }
  return items;
}

/** Shows a few items of a list in a message without letting the message grow unbounded. */
export function quoteList(items: readonly string[], max = 10): string {
  const shown = items.slice(0, max).map((item) => JSON.stringify(truncate(item, 80)));
  const more = items.length > max ? ` and ${items.length - max} more` : "";
  return shown.join(", ") + more;
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Go's strconv.ParseBool (kubernetes-replicator reads its flags with it). */
export function parseGoBool(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (["1", "t", "T", "TRUE", "true", "True"].includes(value)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(value)) return false;
  return undefined;
}

/** .NET's bool.TryParse (Reflector reads its flags with it): case-insensitive, surrounding spaces ignored. */
export function parseDotNetBool(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const text = value.trim().toLowerCase();
  if (text === "true") return true;
  if (text === "false") return false;
  return undefined;
}

export interface PatternList {
  /** Items that are plain namespace names. */
  names: string[];
  /** Items that are regular expressions (validated, to be matched against the whole name). */
  regexes: string[];
  /** Items that are neither (invalid regular expressions). */
  invalid: Array<{ item: string; problem: string }>;
}

/**
 * Classifies the items of a "names or regular expressions" list (replicator, Reflector): a plain
 * namespace name stays a name; anything else is a regular expression that must match the whole
 * namespace name (the peers anchor their patterns too).
 */
export function classifyPatterns(items: readonly string[]): PatternList {
  const list: PatternList = { names: [], regexes: [], invalid: [] };
  for (const item of items) {
    if (isNamespaceName(item)) {
      list.names.push(item);
      continue;
    }
    try {
      anchoredRegExp(item);
      list.regexes.push(item);
    } catch (error) {
      list.invalid.push({ item, problem: error instanceof PatternError ? error.message : "invalid regular expression" });
    }
  }
  return list;
}

/** True when `name` equals one of the names or fully matches one of the regexes. */
export function matchesPatternList(list: Pick<PatternList, "names" | "regexes">, name: string): boolean {
  if (list.names.includes(name)) return true;
  return list.regexes.some((pattern) => {
    try {
      return anchoredRegExp(pattern).test(name);
    } catch {
      return false;
    }
  });
}

/** Reads an object (from a CR) as a LabelSelector (core/label-selector-schema.ts), or explains why it is not one. */
export function readLabelSelector(value: unknown): { selector?: LabelSelector; problem?: string } {
  if (!isRecord(value)) return { problem: "a label selector must be an object with matchLabels and/or matchExpressions" };
  const parsed = labelSelectorSchema.safeParse(withoutNulls(value));
  if (!parsed.success) return { problem: selectorProblem(parsed.error.issues[0]?.path ?? [], value) };
  const selector: LabelSelector = {};
  const { matchLabels, matchExpressions } = parsed.data;
  if (matchLabels && Object.keys(matchLabels).length > 0) selector.matchLabels = matchLabels;
  if (matchExpressions && matchExpressions.length > 0) selector.matchExpressions = matchExpressions.map((e) => (e.values === undefined ? { key: e.key, operator: e.operator } : { ...e, values: [...e.values] }));
  try {
    validateLabelSelector(selector);
  } catch (error) {
    return { problem: error instanceof SelectorError ? error.message : "invalid label selector" };
  }
  return { selector };
}

/** null stands for "absent" in a selector written by hand (as the apiserver reads it). */
function withoutNulls(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value)) if (entry !== null) out[key] = entry;
  if (Array.isArray(out.matchExpressions)) out.matchExpressions = out.matchExpressions.map((item: unknown) => (isRecord(item) ? withoutNulls(item) : item));
  return out;
}

/** The first schema violation, said in the selector's own terms. */
function selectorProblem(path: readonly PropertyKey[], value: Record<string, unknown>): string {
  const [field, index, member] = path;
  if (field === "matchLabels") return index === undefined ? "matchLabels must be a map of strings" : `matchLabels[${JSON.stringify(truncate(String(index), 80))}] must be a string`;
  if (index === undefined) return "matchExpressions must be a list";
  const item = (value.matchExpressions as unknown[])[Number(index)];
  const operator = isRecord(item) ? item.operator : undefined;
  if (member === "operator" && typeof operator === "string") return `matchExpressions[${String(index)}] has unknown operator ${JSON.stringify(truncate(operator, 40))}`;
  if (member === "values") return `matchExpressions[${String(index)}].values must be a list of strings`;
  return `matchExpressions[${String(index)}] needs a string key and operator`;
}

export function isEmptySelector(selector: LabelSelector): boolean {
  return Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
}

/** Parses a `namespace/name` reference (as in replicate-from / reflects). */
export function parseObjectRef(
  value: string,
  defaultNamespace?: string,
): { ref?: { namespace: string; name: string }; problem?: string } {
  const text = value.trim();
  const slash = text.indexOf("/");
  let namespace: string;
  let name: string;
  if (slash < 0) {
    if (defaultNamespace === undefined) return { problem: `${JSON.stringify(truncate(text, 120))} is not of the form <namespace>/<name>` };
    namespace = defaultNamespace;
    name = text;
  } else {
    namespace = text.slice(0, slash).trim();
    name = text.slice(slash + 1).trim();
  }
  if (!isNamespaceName(namespace)) return { problem: `${JSON.stringify(truncate(namespace, 80))} is not a valid namespace name` };
  if (!isObjectName(name)) return { problem: `${JSON.stringify(truncate(name, 120))} is not a valid object name` };
  return { ref: { namespace, name } };
}

/** The annotations/labels of a metadata object, tolerating malformed input. */
export function metaMaps(meta: unknown): { labels: Record<string, string>; annotations: Record<string, string> } {
  if (!isRecord(meta)) return { labels: {}, annotations: {} };
  return { labels: stringMap(meta.labels), annotations: stringMap(meta.annotations) };
}

/** A SourceMetadata that is safe to read even when the input object is malformed. */
export function saneSource(meta: SourceMetadata): SourceMetadata | undefined {
  if (!isRecord(meta)) return undefined;
  if (meta.kind !== "Secret" && meta.kind !== "ConfigMap") return undefined;
  if (typeof meta.name !== "string" || typeof meta.namespace !== "string" || meta.name === "" || meta.namespace === "") return undefined;
  const { labels, annotations } = metaMaps(meta);
  const sane: SourceMetadata = { kind: meta.kind as SourceKind, namespace: meta.namespace, name: meta.name, labels, annotations };
  if (typeof meta.uid === "string") sane.uid = meta.uid;
  if (typeof meta.creationTimestamp === "string") sane.creationTimestamp = meta.creationTimestamp;
  if (typeof meta.resourceVersion === "string") sane.resourceVersion = meta.resourceVersion;
  if (typeof meta.generation === "number") sane.generation = meta.generation;
  if (typeof meta.type === "string") sane.type = meta.type;
  return sane;
}

/** A custom resource as dialects see it: every top-level field, metadata with defaults filled in. */
export function toCustomResource(object: {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; uid?: string; labels?: Record<string, string>; annotations?: Record<string, string>; creationTimestamp?: string; resourceVersion?: string; generation?: number };
  [field: string]: unknown;
}): CustomResource {
  return {
    ...object,
    apiVersion: object.apiVersion ?? "",
    kind: object.kind ?? "",
    metadata: {
      name: object.metadata.name,
      namespace: object.metadata.namespace,
      uid: object.metadata.uid,
      labels: object.metadata.labels ?? {},
      annotations: object.metadata.annotations ?? {},
      creationTimestamp: object.metadata.creationTimestamp,
      resourceVersion: object.metadata.resourceVersion,
      generation: object.metadata.generation,
    },
    spec: object.spec,
    status: object.status,
  };
}
