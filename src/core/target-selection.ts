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

function outcome(namespace: string, name: string, state: TargetOutcome["state"], reason: string, message: string): TargetOutcome {
  return { namespace, name, state, reason, message };
}

/** Selects the target namespaces of a rule; copyName is only used to label outcomes. */
export function selectTargets(rule: Rule, namespaces: ReadonlyMap<string, NamespaceInfo>, policy: Policy, copyName: string): Selection {
  const targets = compile(rule);
  const selection: Selection = { namespaces: [], outcomes: [] };
  const protectedNamespaces = new Set(policy.protectedNamespaces);
  const broad = rule.targets.allNamespaces || targets.patterns.length > 0 || rule.targets.namespaceSelector !== undefined;
  const candidates: Iterable<NamespaceInfo> = broad
    ? namespaces.values()
    : [...targets.exact].flatMap((name) => {
        const info = namespaces.get(name);
        if (!info) selection.outcomes.push(outcome(name, copyName, "NamespaceNotFound", "NamespaceNotFound", `namespace ${name} does not exist (yet)`));
        return info ? [info] : [];
      });
  for (const namespace of candidates) {
    const name = namespace.name;
    const named = targets.exact.has(name);
    const matched =
      named ||
      rule.targets.allNamespaces ||
      targets.patterns.some((pattern) => pattern.test(name)) ||
      (rule.targets.namespaceSelector !== undefined && matchesLabelSelector(rule.targets.namespaceSelector, namespace.labels));
    if (!matched) continue;
    if (targets.excludeExact.has(name) || targets.exclude.some((pattern) => pattern.test(name))) continue;
    if (Object.entries(rule.targets.excludeAnnotated ?? {}).some(([key, value]) => namespace.annotations[key] === value)) continue;
    if (protectedNamespaces.has(name) && !(named && rule.scope === "cluster")) {
      if (named) {
        selection.outcomes.push(
          outcome(name, copyName, "Denied", "ProtectedNamespace", `namespace ${name} is protected: only a cluster-scoped rule that names it may write there`),
        );
      }
      continue;
    }
    if (isOptedOut(namespace) && !(named && rule.scope === "cluster")) {
      if (named) selection.outcomes.push(outcome(name, copyName, "Denied", "NamespaceOptedOut", `namespace ${name} is labelled ${OPT_OUT_LABEL}=true`));
      continue;
    }
    if (policy.mode === "strict" && rule.scope === "namespace" && !namespaceAccepts(namespace, rule.source.namespace)) {
      if (named) {
        selection.outcomes.push(
          outcome(
            name,
            copyName,
            "Denied",
            "NotAccepted",
            `policy strict: namespace ${name} does not accept copies from ${rule.source.namespace} (label ${ACCEPT_KEY}=all or annotation ${ACCEPT_KEY})`,
          ),
        );
      }
      continue;
    }
    if (namespace.terminating) {
      selection.outcomes.push(outcome(name, copyName, "NamespaceTerminating", "NamespaceTerminating", `namespace ${name} is being deleted`));
      continue;
    }
    selection.namespaces.push(name);
  }
  selection.namespaces.sort();
  return selection;
}
