// Building Rules and typed errors the same way in every dialect: ids, origins, push and pull rule
// skeletons, and the guard that turns a parser's exception into an error. Pure: no I/O, no clock.
import { carriesKey, hasMatchingKey } from "../core/key-match.js";
import { PatternError, validateNameOrGlob } from "../core/name-pattern.js";
import { ruleId } from "../core/rule-id.js";
import type { CopyMarks, ParseResult, Rule, RuleError, RuleOrigin, RuleScope, TargetSelection } from "../core/types.js";
import type { CustomResource, DialectContext, SourceMetadata } from "./dialect.js";
import { isRecord, saneSource, truncate } from "./input.js";

export function emptyTargets(): TargetSelection {
  return { namespaces: [], allNamespaces: false, exclude: [] };
}

/** Adds items to a list without duplicates, keeping order. */
export function addUnique(list: string[], ...items: string[]): string[] {
  for (const item of items) if (!list.includes(item)) list.push(item);
  return list;
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

/** An error that means the object cannot be read: the copies its rules no longer claim are held (core/held-copies.ts). */
export function ruleError(origin: RuleOrigin, reason: string, message: string): RuleError {
  return { origin, reason, message: truncate(message, 1024) };
}

/**
 * An error that reports a state Ferry understood (what the object names is gone or refuses, it
 * asks for nothing, it uses a feature Ferry leaves alone): it holds no copy.
 */
export function stateError(origin: RuleOrigin, reason: string, message: string): RuleError {
  return { ...ruleError(origin, reason, message), describesState: true };
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
    scope: "tenant",
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

/**
 * A dialect's fromSource: it sees only sane input that carries one of its keys (in the
 * annotations, or also in the labels), and never throws.
 */
export function sourceParser(
  dialect: string,
  keys: readonly string[],
  parse: (meta: SourceMetadata, context: DialectContext) => ParseResult,
  carriers: "annotations" | "labels and annotations" = "annotations",
): (input: SourceMetadata, context: DialectContext) => ParseResult {
  return (input, context) => {
    const meta = saneSource(input);
    if (!meta || !(carriers === "annotations" ? hasMatchingKey(meta.annotations, keys) : carriesKey(meta, keys))) return emptyResult();
    return guard(() => sourceOrigin(dialect, meta), () => parse(meta, context));
  };
}

/** The names and globs of a list that are valid; each invalid one becomes an InvalidNamespace error. */
export function validNamesOrGlobs(items: readonly string[], origin: RuleOrigin, errors: RuleError[]): string[] {
  return items.filter((item) => {
    try {
      validateNameOrGlob(item);
      return true;
    } catch (failure) {
      if (!(failure instanceof PatternError)) throw failure;
      errors.push(ruleError(origin, "InvalidNamespace", failure.message));
      return false;
    }
  });
}

/** CopyMarks.sourceOf for tools that label their copies with the source's name and namespace. */
export function sourceFromLabels(nameLabel: string, namespaceLabel: string): NonNullable<CopyMarks["sourceOf"]> {
  return ({ labels }) => {
    const name = labels[nameLabel];
    const namespace = labels[namespaceLabel];
    return name && namespace ? { namespace, name } : undefined;
  };
}
