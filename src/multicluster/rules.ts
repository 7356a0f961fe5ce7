// The hub's rules, as plain data for plan(): pure functions from the hub's objects to Rules that
// a member worker plans against the member's namespaces and copies.
//
// Sources live on the hub, targets on a member, so every rule carries its source's content
// inline (plan() then never mistakes the member's namespace of the same name for the source).
// A rule whose source is not known yet, is missing, or is refused has no inline content; its
// state goes into `sources`, and plan() holds, prunes or reports exactly as in one cluster.
import { matchesLabelSelector, validateLabelSelector } from "../core/label-selector.js";
import { SOURCE_CLUSTER_LABEL, isFerryCopy, labelValue } from "../core/marks.js";
import { objectKey, type SourceState } from "../core/plan.js";
import type { InlineContent, LabelSelector, Rule, RuleError, RuleOrigin, SourceKind, SourceObject } from "../core/types.js";
import { sourceObject } from "../kube/observed-records.js";
import { MWSYNC_ANNOTATION, MWSYNC_SEC_ANNOTATION, mwsyncDialect } from "../dialects/mwsync.js";
import { nativeDialect } from "../dialects/native.js";
import type { KubeObject } from "../kube/informer.js";
import { isRegistration } from "./registration.js";
import { toCustomResource } from "../dialects/input.js";

/** Kept on pushed copies, so the member's own Ferry fans them out (the seed's second hop). */
export const MWSYNC_KEEP: readonly string[] = [MWSYNC_ANNOTATION, MWSYNC_SEC_ANNOTATION];

export interface DistributionRule {
  rule: Rule;
  /** targets.clusters: which registrations (by their labels) receive this rule. */
  clusters: LabelSelector;
}

export interface HubRules {
  /** mw-sync pushes into every member's Ferry namespace (targets.namespaces is the hub's; see rulesForMember). */
  push: Rule[];
  /** ClusterDistributions with targets.clusters. */
  distributions: DistributionRule[];
  /** States of the sources of rules without inline content. */
  sources: Map<string, SourceState>;
  /** Input the hub cannot act on (logged; the hub's own engine reports CR status). */
  errors: RuleError[];
}

export interface HubObjects {
  ferryNamespace: string;
  hubName: string;
  /** Secrets and ConfigMaps in the hub's Ferry namespace (full objects). */
  ferryNamespaceObjects: Array<{ kind: SourceKind; object: KubeObject }>;
  /** ClusterDistribution objects. */
  clusterDistributions: KubeObject[];
  /** The state of a ClusterDistribution's source on the hub. */
  sourceState(kind: SourceKind, namespace: string, name: string): SourceState;
}

function inline(source: SourceObject): InlineContent {
  return {
    labels: source.labels,
    annotations: source.annotations,
    type: source.type,
    data: source.data,
    binaryData: source.binaryData,
    immutable: source.immutable,
  };
}

/** What plan() itself refuses for a non-inline source (see core/plan.ts sourceProblem). */
function refused(source: SourceObject, hubName: string): boolean {
  if (isFerryCopy(source.labels) && source.labels[SOURCE_CLUSTER_LABEL] === labelValue(hubName)) return true;
  return source.type === "kubernetes.io/service-account-token";
}

/** Attaches the source's content (or records its state for plan() to hold, prune or report). */
function withSource(rule: Rule, state: SourceState, hubName: string, sources: Map<string, SourceState>): Rule {
  if (typeof state === "object" && !refused(state, hubName)) {
    return { ...rule, source: { ...rule.source, inline: inline(state) } };
  }
  sources.set(objectKey(rule.source.kind, rule.source.namespace, rule.source.name), state);
  return rule;
}

export function pushRuleId(kind: SourceKind, namespace: string, name: string): string {
  return `hub/mwsync/${kind}/${namespace}/${name}`;
}

/** The seed's master operator: Secrets/ConfigMaps of the hub's Ferry namespace annotated mw-sync: "yes" (or mw_sec/sync: "true"). */
function pushRules(input: HubObjects, sources: Map<string, SourceState>, errors: RuleError[]): Rule[] {
  const rules: Rule[] = [];
  const context = {
    ferryNamespace: input.ferryNamespace,
    clusterName: input.hubName,
    lookupSource: () => undefined,
    lookupCustomResource: () => undefined,
  };
  for (const { kind, object } of input.ferryNamespaceObjects) {
    const meta = object.metadata;
    if ((meta.namespace ?? "") !== input.ferryNamespace) continue;
    const annotations = meta.annotations ?? {};
    if (!(MWSYNC_ANNOTATION in annotations) && !(MWSYNC_SEC_ANNOTATION in annotations)) continue;
    const origin: RuleOrigin = { dialect: "mwsync", apiVersion: "v1", kind, namespace: meta.namespace, name: meta.name, uid: meta.uid };
    if (kind === "Secret" && isRegistration(object)) {
      errors.push({ origin, reason: "RegistrationNotPushed", message: `Secret ${meta.namespace}/${meta.name} is a member registration; registrations are never pushed` });
      continue;
    }
    const parsed = mwsyncDialect.fromSource!(
      { kind, namespace: meta.namespace ?? "", name: meta.name, uid: meta.uid, labels: meta.labels ?? {}, annotations, creationTimestamp: meta.creationTimestamp },
      context,
    );
    errors.push(...parsed.errors);
    if (parsed.rules.length === 0) continue;
    const rule: Rule = {
      id: pushRuleId(kind, input.ferryNamespace, meta.name),
      origin,
      scope: "administrator",
      source: { kind, namespace: input.ferryNamespace, name: meta.name },
      targets: { namespaces: [input.ferryNamespace], allNamespaces: false, exclude: [] },
      copy: { labels: {}, annotations: {}, keepMetadataPrefixes: [...MWSYNC_KEEP] },
      prune: true,
      conflict: "skip",
      createdAt: meta.creationTimestamp,
    };
    rules.push(withSource(rule, sourceObject(kind, object), input.hubName, sources));
  }
  return rules;
}


/** spec.targets.clusters of a ClusterDistribution, if it has one. */
export function clustersOf(object: KubeObject): unknown {
  const spec = object.spec as { targets?: { clusters?: unknown } } | undefined;
  return spec?.targets?.clusters;
}

/** The sources ClusterDistributions with targets.clusters refer to (what the hub must read). */
export function distributionSources(clusterDistributions: KubeObject[]): Array<{ kind: SourceKind; namespace: string; name: string }> {
  const refs = new Map<string, { kind: SourceKind; namespace: string; name: string }>();
  for (const object of clusterDistributions) {
    if (clustersOf(object) === undefined) continue;
    const source = (object.spec as { source?: { kind?: unknown; namespace?: unknown; name?: unknown } } | undefined)?.source;
    if (!source || (source.kind !== "Secret" && source.kind !== "ConfigMap") || typeof source.namespace !== "string" || typeof source.name !== "string") continue;
    if (source.namespace === "" || source.name === "") continue;
    refs.set(objectKey(source.kind, source.namespace, source.name), { kind: source.kind, namespace: source.namespace, name: source.name });
  }
  return [...refs.values()];
}

function distributionRules(input: HubObjects, sources: Map<string, SourceState>, errors: RuleError[]): DistributionRule[] {
  const result: DistributionRule[] = [];
  for (const object of input.clusterDistributions) {
    const clusters = clustersOf(object);
    if (clusters === undefined) continue;
    const resource = toCustomResource(object);
    const origin: RuleOrigin = { dialect: "native", apiVersion: resource.apiVersion, kind: resource.kind, name: resource.metadata.name, uid: resource.metadata.uid };
    try {
      if (typeof clusters !== "object" || clusters === null || Array.isArray(clusters)) throw new Error("must be a label selector");
      validateLabelSelector(clusters as LabelSelector);
    } catch (failure) {
      errors.push({ origin, reason: "InvalidClusterSelector", message: `spec.targets.clusters: ${(failure as Error).message}` });
      continue;
    }
    const parsed = nativeDialect.fromCustomResource!(resource, {
      ferryNamespace: input.ferryNamespace,
      clusterName: input.hubName,
      lookupSource: () => undefined,
      lookupCustomResource: () => undefined,
    });
    errors.push(...parsed.errors);
    for (const rule of parsed.rules) {
      const state = input.sourceState(rule.source.kind, rule.source.namespace, rule.source.name);
      if (typeof state === "object" && rule.source.kind === "Secret" && rule.source.namespace === input.ferryNamespace && state.labels["ferry.dev/cluster"] === "true") {
        errors.push({ origin, reason: "RegistrationNotPushed", message: `Secret ${rule.source.namespace}/${rule.source.name} is a member registration; registrations are never pushed` });
        continue;
      }
      result.push({ rule: withSource(rule, state, input.hubName, sources), clusters: clusters as LabelSelector });
    }
  }
  return result;
}

/** Every rule the hub pushes, from the hub's objects. Pure. */
export function hubRules(input: HubObjects): HubRules {
  const sources = new Map<string, SourceState>();
  const errors: RuleError[] = [];
  const push = pushRules(input, sources, errors);
  const distributions = distributionRules(input, sources, errors);
  return { push, distributions, sources, errors };
}

/**
 * The rules one member receives: every push (into the member's Ferry namespace) plus the
 * distributions whose targets.clusters select the member's registration labels.
 */
export function rulesForMember(rules: HubRules, member: { labels: Record<string, string>; memberNamespace: string }): { push: Rule[]; distributions: Rule[] } {
  const push = rules.push.map((rule) =>
    rule.targets.namespaces.length === 1 && rule.targets.namespaces[0] === member.memberNamespace
      ? rule
      : { ...rule, targets: { ...rule.targets, namespaces: [member.memberNamespace] } },
  );
  const distributions = rules.distributions.filter((entry) => matchesLabelSelector(entry.clusters, member.labels)).map((entry) => entry.rule);
  return { push, distributions };
}
