// Builders and a tiny world simulator for plan() tests: apply actions as the writer would.
import { objectKey, type PlanInput, type SourceState } from "../../src/core/plan.js";
import { builtInDialects } from "../../src/dialects/all.js";
import { copyMarksOf } from "../../src/dialects/index.js";
import type { Action, NamespaceInfo, ObservedObject, Policy, Rule, SourceObject } from "../../src/core/types.js";

/** The copy marks of every built-in dialect's tool, as the engine passes them. */
export const knownCopyMarks = copyMarksOf(builtInDialects);

export const policy = (mode: Policy["mode"] = "guarded"): Policy => ({
  mode,
  protectedNamespaces: ["kube-system", "kube-public", "kube-node-lease", "ferry-system"],
  clusterName: "local",
});

export function ns(name: string, labels: Record<string, string> = {}, annotations: Record<string, string> = {}): NamespaceInfo {
  return { name, labels, annotations, terminating: false };
}

export function secret(namespace: string, name: string, data: Record<string, string> = { k: "dg==" }, extra: Partial<SourceObject> = {}): SourceObject {
  return { kind: "Secret", namespace, name, labels: {}, annotations: {}, type: "Opaque", data, ...extra };
}

export function rule(id: string, sourceNamespace: string, sourceName: string, targets: Partial<Rule["targets"]>, extra: Partial<Rule> = {}): Rule {
  return {
    id,
    origin: { dialect: "native", apiVersion: "ferry.dev/v1alpha1", kind: "ClusterDistribution", name: id },
    scope: "administrator",
    source: { kind: "Secret", namespace: sourceNamespace, name: sourceName },
    targets: { namespaces: [], allNamespaces: false, exclude: [], ...targets },
    copy: { labels: {}, annotations: {} },
    prune: true,
    conflict: "skip",
    ...extra,
  };
}

export function world(parts: {
  rules: Rule[];
  namespaces: NamespaceInfo[];
  sources: SourceObject[];
  observed?: ObservedObject[];
  policy?: Policy;
}): PlanInput {
  const sources = new Map<string, SourceState>();
  const observed = new Map<string, ObservedObject>();
  for (const source of parts.sources) {
    sources.set(objectKey(source.kind, source.namespace, source.name), source);
    observed.set(objectKey(source.kind, source.namespace, source.name), {
      kind: source.kind,
      namespace: source.namespace,
      name: source.name,
      labels: source.labels,
      annotations: source.annotations,
    });
  }
  for (const r of parts.rules) {
    const key = objectKey(r.source.kind, r.source.namespace, r.source.name);
    if (!sources.has(key)) sources.set(key, "missing");
  }
  for (const object of parts.observed ?? []) observed.set(objectKey(object.kind, object.namespace, object.name), object);
  return {
    rules: parts.rules,
    namespaces: new Map(parts.namespaces.map((n) => [n.name, n])),
    sources,
    observed,
    policy: parts.policy ?? policy(),
    triggerKeys: ["ferry.dev/"],
    copyMarks: knownCopyMarks,
  };
}

/** Applies actions the way the writer does, returning the next world. */
export function apply(input: PlanInput, actions: Action[]): PlanInput {
  const observed = new Map<string, ObservedObject>();
  for (const object of input.observed.values()) observed.set(objectKey(object.kind, object.namespace, object.name), object);
  let version = 1000;
  for (const action of actions) {
    if (action.type === "delete") {
      observed.delete(action.key);
      continue;
    }
    const d = action.desired;
    observed.set(action.key, {
      kind: d.kind,
      namespace: d.namespace,
      name: d.name,
      labels: d.labels,
      annotations: d.annotations,
      contentHash: d.contentHash,
      immutable: d.immutable,
      resourceVersion: String(version++),
    });
  }
  return { ...input, observed };
}
