// Which namespaces a rule's copies go to, after the consent policy has had its say. Pure.
import { ACCEPT_KEY, OPT_OUT_LABEL } from "./marks.js";
import { matchesLabelSelector } from "./label-selector.js";
import { anchoredRegExp, globToRegExp, isGlob } from "./name-pattern.js";
import type { NamespaceInfo, Policy, Rule, TargetOutcome } from "./types.js";

export interface Selection {
  /** Namespaces that receive a copy. */
  namespaces: string[];
  /** Why named or selected namespaces do not (denied, missing, terminating). */
  outcomes: TargetOutcome[];
}

interface CompiledTargets {
  exact: Set<string>;
  patterns: RegExp[];
  exclude: RegExp[];
  excludeExact: Set<string>;
}

const compiled = new WeakMap<Rule, CompiledTargets>();

function compile(rule: Rule): CompiledTargets {
  let result = compiled.get(rule);
  if (result) return result;
  const exact = new Set<string>();
  const patterns: RegExp[] = [];
  for (const entry of rule.targets.namespaces) {
    if (isGlob(entry)) patterns.push(globToRegExp(entry));
    else exact.add(entry);
  }
  for (const source of rule.targets.namespaceRegexes ?? []) patterns.push(anchoredRegExp(source));
  const excludeExact = new Set<string>();
  const exclude: RegExp[] = [];
  for (const entry of rule.targets.exclude) {
    if (isGlob(entry)) exclude.push(globToRegExp(entry));
    else excludeExact.add(entry);
  }
  for (const source of rule.targets.excludeRegexes ?? []) exclude.push(anchoredRegExp(source));
  result = { exact, patterns, exclude, excludeExact };
  compiled.set(rule, result);
  return result;
}

/** Does the namespace accept copies from tenant rules of this source namespace (strict policy)? */
export function namespaceAccepts(namespace: NamespaceInfo, sourceNamespace: string): boolean {
  if (namespace.labels[ACCEPT_KEY] === "all") return true;
  const listed = namespace.annotations[ACCEPT_KEY];
  if (listed === undefined) return false;
  return listed
    .split(",")
    .map((item) => item.trim())
    .some((item) => item === "*" || item === sourceNamespace || (isGlob(item) && globToRegExp(item).test(sourceNamespace)));
}

export function isOptedOut(namespace: NamespaceInfo): boolean {
  return namespace.labels[OPT_OUT_LABEL] === "true" || namespace.annotations[OPT_OUT_LABEL] === "true";
}

/** Why a namespace does or does not receive a rule's copy. */
export interface NamespaceDecision {
  selected: boolean;
  /** CamelCase reason: Named, Glob, Selector, AllNamespaces, NotSelected, Excluded, ProtectedNamespace, ... */
  reason: string;
  message: string;
  /** Denials worth reporting on the rule (the namespace was named explicitly). */
  report?: TargetOutcome["state"];
}

/** Decides one namespace for one rule, with the consent policy applied. Pure. */
export function decideNamespace(rule: Rule, namespace: NamespaceInfo, policy: Policy): NamespaceDecision {
  const targets = compile(rule);
  const name = namespace.name;
  const named = targets.exact.has(name);
  const how = named
    ? "Named"
    : rule.targets.allNamespaces
      ? "AllNamespaces"
      : targets.patterns.some((pattern) => pattern.test(name))
        ? "Pattern"
        : rule.targets.namespaceSelector !== undefined && matchesLabelSelector(rule.targets.namespaceSelector, namespace.labels)
          ? "Selector"
          : undefined;
  if (!how) return { selected: false, reason: "NotSelected", message: `namespace ${name} is not named, matched by a pattern or selected by labels` };
  if (targets.excludeExact.has(name) || targets.exclude.some((pattern) => pattern.test(name))) {
    return { selected: false, reason: "Excluded", message: `namespace ${name} is excluded by the rule` };
  }
  const annotated = Object.entries(rule.targets.excludeAnnotated ?? {}).find(([key, value]) => namespace.annotations[key] === value);
  if (annotated) return { selected: false, reason: "ExcludedByAnnotation", message: `namespace ${name} is annotated ${annotated[0]}=${annotated[1]}` };
  const adminNamed = named && rule.scope === "administrator";
  if (policy.protectedNamespaces.includes(name) && !adminNamed) {
    return {
      selected: false,
      reason: "ProtectedNamespace",
      message: `namespace ${name} is protected: only an administrator rule that names it may write there`,
      report: named ? "Denied" : undefined,
    };
  }
  if (isOptedOut(namespace) && !adminNamed) {
    return { selected: false, reason: "NamespaceOptedOut", message: `namespace ${name} is labelled ${OPT_OUT_LABEL}=true`, report: named ? "Denied" : undefined };
  }
  if (policy.mode === "strict" && rule.scope === "tenant" && !namespaceAccepts(namespace, rule.source.namespace)) {
    return {
      selected: false,
      reason: "NotAccepted",
      message: `policy strict: namespace ${name} does not accept copies from ${rule.source.namespace} (label ${ACCEPT_KEY}=all or annotation ${ACCEPT_KEY})`,
      report: named ? "Denied" : undefined,
    };
  }
  if (namespace.terminating) {
    return { selected: false, reason: "NamespaceTerminating", message: `namespace ${name} is being deleted`, report: "NamespaceTerminating" };
  }
  return { selected: true, reason: how, message: `namespace ${name} is selected (${how})` };
}

/** Selects the target namespaces of a rule; copyName is only used to label outcomes. */
export function selectTargets(rule: Rule, namespaces: ReadonlyMap<string, NamespaceInfo>, policy: Policy, copyName: string): Selection {
  const targets = compile(rule);
  const selection: Selection = { namespaces: [], outcomes: [] };
  const broad = rule.targets.allNamespaces || targets.patterns.length > 0 || rule.targets.namespaceSelector !== undefined;
  // Names that do not exist (yet) are reported, also next to patterns and selectors.
  for (const name of targets.exact) {
    if (namespaces.has(name) || targets.excludeExact.has(name) || targets.exclude.some((pattern) => pattern.test(name))) continue;
    selection.outcomes.push({ namespace: name, name: copyName, state: "NamespaceNotFound", reason: "NamespaceNotFound", message: `namespace ${name} does not exist (yet)` });
  }
  const candidates: Iterable<NamespaceInfo> = broad
    ? namespaces.values()
    : [...targets.exact].flatMap((name) => {
        const info = namespaces.get(name);
        return info ? [info] : [];
      });
  for (const namespace of candidates) {
    const decision = decideNamespace(rule, namespace, policy);
    if (decision.selected) selection.namespaces.push(namespace.name);
    else if (decision.report) {
      selection.outcomes.push({ namespace: namespace.name, name: copyName, state: decision.report, reason: decision.reason, message: decision.message });
    }
  }
  selection.namespaces.sort();
  return selection;
}
