// Shared building blocks for the dialect parsers: list splitting, name/regex classification,
// rule skeletons, typed errors and the never-throw guard. Pure: no I/O, no clock.
import { anchoredRegExp, PatternError } from "../core/name-pattern.js";
import { validateLabelSelector, SelectorError } from "../core/label-selector.js";
import type {
  LabelSelector,
  ParseResult,
  Rule,
  RuleError,
  RuleOrigin,
  RuleReport,
  RuleScope,
  SourceKind,
  TargetSelection,
} from "../core/types.js";
import type { CustomResource, SourceMetadata } from "./dialect.js";

/** Namespaces OpenKruise never distributes into (its `allNamespaces` and `sync-to: cluster`). */
export const KRUISE_FORBIDDEN_NAMESPACES: readonly string[] = ["kube-system", "kube-public"];

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

/** Reads an object (from a CR) as a LabelSelector, or explains why it is not one. */
export function readLabelSelector(value: unknown): { selector?: LabelSelector; problem?: string } {
  if (!isRecord(value)) return { problem: "a label selector must be an object with matchLabels and/or matchExpressions" };
  const selector: LabelSelector = {};
  if (value.matchLabels !== undefined && value.matchLabels !== null) {
    if (!isRecord(value.matchLabels)) return { problem: "matchLabels must be a map of strings" };
    const labels: Record<string, string> = {};
    for (const [key, entry] of Object.entries(value.matchLabels)) {
      if (typeof entry !== "string") return { problem: `matchLabels[${JSON.stringify(truncate(key, 80))}] must be a string` };
      labels[key] = entry;
    }
    if (Object.keys(labels).length > 0) selector.matchLabels = labels;
  }
  if (value.matchExpressions !== undefined && value.matchExpressions !== null) {
    if (!Array.isArray(value.matchExpressions)) return { problem: "matchExpressions must be a list" };
    const expressions: NonNullable<LabelSelector["matchExpressions"]> = [];
    for (const [index, raw] of value.matchExpressions.entries()) {
      if (!isRecord(raw) || typeof raw.key !== "string" || typeof raw.operator !== "string") {
        return { problem: `matchExpressions[${index}] needs a string key and operator` };
      }
      if (!["In", "NotIn", "Exists", "DoesNotExist"].includes(raw.operator)) {
        return { problem: `matchExpressions[${index}] has unknown operator ${JSON.stringify(truncate(raw.operator, 40))}` };
      }
      const expression: NonNullable<LabelSelector["matchExpressions"]>[number] = {
        key: raw.key,
        operator: raw.operator as "In" | "NotIn" | "Exists" | "DoesNotExist",
      };
      if (raw.values !== undefined && raw.values !== null) {
        if (!Array.isArray(raw.values) || !raw.values.every((v): v is string => typeof v === "string")) {
          return { problem: `matchExpressions[${index}].values must be a list of strings` };
        }
        expression.values = [...raw.values];
      }
      expressions.push(expression);
    }
    if (expressions.length > 0) selector.matchExpressions = expressions;
  }
  try {
    validateLabelSelector(selector);
  } catch (error) {
    return { problem: error instanceof SelectorError ? error.message : "invalid label selector" };
  }
  return { selector };
}

export function isEmptySelector(selector: LabelSelector): boolean {
  return Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
}

export function emptyTargets(): TargetSelection {
  return { namespaces: [], allNamespaces: false, exclude: [] };
}

/** Adds items to a list without duplicates, keeping order. */
export function addUnique(list: string[], ...items: string[]): string[] {
  for (const item of items) if (!list.includes(item)) list.push(item);
  return list;
}

/**
 * Rule ids: `<dialect>/<kind>/<namespace>/<name>` for namespaced origins, `<dialect>/<kind>/<name>`
 * for cluster-scoped ones, then `/<suffix>` parts when one origin yields several rules. Object
 * names never contain "/", so ids cannot collide across origins.
 */
export function ruleId(dialect: string, kind: string, namespace: string | undefined, name: string, ...suffix: string[]): string {
  const parts = [dialect, kind];
  if (namespace) parts.push(namespace);
  parts.push(name, ...suffix);
  return parts.join("/");
}

export function sourceOrigin(dialect: string, meta: SourceMetadata): RuleOrigin {
  const origin: RuleOrigin = { dialect, apiVersion: "v1", kind: meta.kind, namespace: meta.namespace, name: meta.name };
  if (typeof meta.uid === "string" && meta.uid !== "") origin.uid = meta.uid;
  return origin;
}

export function resourceOrigin(dialect: string, resource: CustomResource): RuleOrigin {
  const metadata: Partial<CustomResource["metadata"]> = isRecord(resource.metadata) ? resource.metadata : {};
  const origin: RuleOrigin = {
    dialect,
    apiVersion: typeof resource.apiVersion === "string" ? resource.apiVersion : "",
    kind: typeof resource.kind === "string" ? resource.kind : "",
    name: typeof metadata.name === "string" ? metadata.name : "",
  };
  if (typeof metadata.namespace === "string" && metadata.namespace !== "") origin.namespace = metadata.namespace;
  if (typeof metadata.uid === "string" && metadata.uid !== "") origin.uid = metadata.uid;
  return origin;
}

export function ruleError(origin: RuleOrigin, reason: string, message: string): RuleError {
  return { origin, reason, message: truncate(message, 1024) };
}

export interface PushRuleInput {
  dialect: string;
  meta: SourceMetadata;
  scope: RuleScope;
  targets: TargetSelection;
  copyLabels?: Record<string, string>;
  idSuffix?: string[];
}

/**
 * A push rule whose source is the Secret/ConfigMap carrying the annotations. The source's own
 * namespace is always excluded: a copy with the source's name there would be the source itself.
 */
export function pushRule(input: PushRuleInput): Rule {
  const { dialect, meta } = input;
  const targets: TargetSelection = { ...input.targets, exclude: addUnique([...input.targets.exclude], meta.namespace) };
  const rule: Rule = {
    id: ruleId(dialect, meta.kind, meta.namespace, meta.name, ...(input.idSuffix ?? [])),
    origin: sourceOrigin(dialect, meta),
    scope: input.scope,
    source: { kind: meta.kind, namespace: meta.namespace, name: meta.name },
    targets,
    copy: { labels: { ...(input.copyLabels ?? {}) }, annotations: {} },
    prune: true,
    conflict: "skip",
  };
  if (typeof meta.creationTimestamp === "string" && meta.creationTimestamp !== "") rule.createdAt = meta.creationTimestamp;
  return rule;
}

export interface PullRuleInput {
  dialect: string;
  /** The object that asked to be filled (the rule's origin and only target). */
  target: SourceMetadata;
  source: { namespace: string; name: string };
  idSuffix?: string[];
}

/**
 * A pull rule: the target object asked, via its own annotation, to be kept equal to a source it
 * names. Ferry only fills that object's data; it never creates or deletes it (prune false).
 */
export function pullRule(input: PullRuleInput): Rule {
  const { dialect, target } = input;
  const rule: Rule = {
    id: ruleId(dialect, target.kind, target.namespace, target.name, ...(input.idSuffix ?? [])),
    origin: sourceOrigin(dialect, target),
    scope: "namespace",
    source: { kind: target.kind, namespace: input.source.namespace, name: input.source.name },
    targets: { namespaces: [target.namespace], allNamespaces: false, exclude: [] },
    copy: { name: target.name, labels: {}, annotations: {} },
    prune: false,
    conflict: "overwrite",
    pull: true,
  };
  if (typeof target.creationTimestamp === "string" && target.creationTimestamp !== "") rule.createdAt = target.creationTimestamp;
  return rule;
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

export function emptyResult(): ParseResult {
  return { rules: [], errors: [] };
}

/** Runs a parser and turns any unexpected exception into a typed RuleError: parsers never throw. */
export function guard(origin: () => RuleOrigin, parse: () => ParseResult): ParseResult {
  try {
    return parse();
  } catch (error) {
    let where: RuleOrigin;
    try {
      where = origin();
    } catch {
      where = { dialect: "unknown", apiVersion: "", kind: "", name: "" };
    }
    const name = error instanceof Error ? error.name : "Error";
    return { rules: [], errors: [ruleError(where, "InternalError", `the ${where.dialect} parser failed unexpectedly (${name}); please report this`)] };
  }
}

/** A Kubernetes-style condition, without lastTransitionTime (the controller adds it). */
export interface StatusCondition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
}

export interface ReportTotals {
  desired: number;
  synced: number;
  conflicts: number;
  failed: number;
}

export function totals(reports: readonly RuleReport[]): ReportTotals {
  const sum: ReportTotals = { desired: 0, synced: 0, conflicts: 0, failed: 0 };
  for (const report of reports) {
    sum.desired += report.desired;
    sum.synced += report.synced;
    sum.conflicts += report.conflicts;
    sum.failed += report.failed;
  }
  return sum;
}

/** Readable reason strings for condition reasons (CamelCase, no spaces), e.g. from RuleError.reason. */
export function conditionReason(reason: string): string {
  const cleaned = reason.replace(/[^A-Za-z0-9_]/g, "");
  return cleaned === "" ? "Unknown" : /^[A-Za-z]/.test(cleaned) ? cleaned : `R${cleaned}`;
}

/**
 * Generic status for a dialect custom resource: a `Ready` condition summarising the reports,
 * then one condition per distinct error reason (e.g. `UnsupportedTemplateFeature`). Deterministic.
 */
export function genericStatus(
  resource: CustomResource,
  reports: readonly RuleReport[],
  errors: readonly RuleError[],
): Record<string, unknown> {
  const sum = totals(reports);
  const problems = reports.filter((report) => report.problem !== undefined);
  const conditions: StatusCondition[] = [];
  let ready: StatusCondition;
  if (errors.length > 0) {
    const first = errors[0]!;
    ready = { type: "Ready", status: "False", reason: conditionReason(first.reason), message: first.message };
  } else if (problems.length > 0) {
    const first = problems[0]!.problem!;
    ready = { type: "Ready", status: "False", reason: conditionReason(first.reason), message: first.message };
  } else if (sum.conflicts > 0 || sum.failed > 0) {
    ready = {
      type: "Ready",
      status: "False",
      reason: sum.failed > 0 ? "Failed" : "Conflict",
      message: `${sum.synced} of ${sum.desired} copies synced, ${sum.conflicts} in conflict, ${sum.failed} failed`,
    };
  } else if (sum.synced < sum.desired) {
    ready = { type: "Ready", status: "False", reason: "Pending", message: `${sum.synced} of ${sum.desired} copies synced` };
  } else {
    ready = { type: "Ready", status: "True", reason: "Synced", message: `${sum.synced} of ${sum.desired} copies synced` };
  }
  conditions.push(ready);
  const byReason = new Map<string, string[]>();
  for (const error of errors) {
    const reason = conditionReason(error.reason);
    const list = byReason.get(reason) ?? [];
    list.push(error.message);
    byReason.set(reason, list);
  }
  for (const [reason, messages] of [...byReason.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    conditions.push({ type: reason, status: "True", reason, message: truncate(messages.join("; "), 1024) });
  }
  const status: Record<string, unknown> = {
    desired: sum.desired,
    synced: sum.synced,
    conflicts: sum.conflicts,
    failed: sum.failed,
    conditions,
  };
  const generation = isRecord(resource.metadata) ? resource.metadata.generation : undefined;
  if (typeof generation === "number") status.observedGeneration = generation;
  return status;
}
