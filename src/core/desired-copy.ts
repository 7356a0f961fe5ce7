// The exact object Ferry wants at one target: source content plus Ferry's marks. Pure.
import { inheritedMetadata } from "./copy-metadata.js";
import { contentHash } from "./hash.js";
import {
  CONTENT_HASH_ANNOTATION,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  PULL_LABEL,
  RULE_ID_ANNOTATION,
  RULE_LABEL,
  SOURCE_ANNOTATION,
  SOURCE_CLUSTER_LABEL,
  SOURCE_NAME_LABEL,
  SOURCE_NAMESPACE_LABEL,
  TAKEN_OVER_ANNOTATION,
  labelValue,
} from "./marks.js";
import type { DesiredCopy, InlineContent, ObservedObject, Rule } from "./types.js";

export function copyName(rule: Rule): string {
  return rule.copy.name ?? rule.source.name;
}

const ruleLabels = new WeakMap<Rule, string>();

/** The rule's id as a label value (memoised: plan passes ask for it per target). */
export function ruleLabel(rule: Rule): string {
  let label = ruleLabels.get(rule);
  if (label === undefined) ruleLabels.set(rule, (label = labelValue(rule.id)));
  return label;
}

const targetKeys = new WeakMap<DesiredCopy, string>();

/**
 * objectKey() of a desired copy, the same string object every pass: the maps a plan pass fills
 * hash a string once, not once per pass.
 */
export function desiredKey(desired: DesiredCopy): string {
  let key = targetKeys.get(desired);
  if (key === undefined) targetKeys.set(desired, (key = `${desired.kind}/${desired.namespace}/${desired.name}`));
  return key;
}

/**
 * Builds the desired copy of `content` for `rule` in `namespace`. For pull rules the target's
 * own metadata (`pullTarget`) is kept and only data and type come from the source.
 */
export function desiredCopy(
  rule: Rule,
  content: InlineContent,
  namespace: string,
  clusterName: string,
  triggerKeys: readonly string[],
  pullTarget?: ObservedObject,
): DesiredCopy {
  // Every plan pass asks again for every target: memoise per (rule object, content object,
  // namespace), so a burst of events does not re-hash the same copies. Rules and source contents
  // are replaced (never mutated) when they change, which drops their entries with them. The copies
  // of one rule differ only by namespace (the hash does not cover it), so the content is built and
  // hashed once per rule and content, and each namespace's copy shares it.
  if (pullTarget) return buildDesiredCopy(rule, content, namespace, clusterName, triggerKeys, pullTarget);
  let byContent = cache.get(rule);
  if (!byContent) cache.set(rule, (byContent = new WeakMap()));
  let entry = byContent.get(content);
  if (!entry || entry.triggerKeys !== triggerKeys || entry.clusterName !== clusterName) {
    entry = { triggerKeys, clusterName, template: buildDesiredCopy(rule, content, "", clusterName, triggerKeys), byNamespace: new Map() };
    byContent.set(content, entry);
  }
  let desired = entry.byNamespace.get(namespace);
  if (!desired) entry.byNamespace.set(namespace, (desired = { ...entry.template, namespace }));
  return desired;
}

interface CacheEntry {
  triggerKeys: readonly string[];
  clusterName: string;
  /** The copy with every field but its namespace: shared (labels, annotations, data) by all copies. */
  template: DesiredCopy;
  byNamespace: Map<string, DesiredCopy>;
}

const cache = new WeakMap<Rule, WeakMap<InlineContent, CacheEntry>>();

function buildDesiredCopy(
  rule: Rule,
  content: InlineContent,
  namespace: string,
  clusterName: string,
  triggerKeys: readonly string[],
  pullTarget?: ObservedObject,
): DesiredCopy {
  const base = pullTarget
    ? { labels: { ...pullTarget.labels }, annotations: { ...pullTarget.annotations } }
    : {
        labels: inheritedMetadata(content.labels, triggerKeys, rule.copy.keepMetadataPrefixes),
        annotations: inheritedMetadata(content.annotations, triggerKeys, rule.copy.keepMetadataPrefixes),
      };
  const labels: Record<string, string> = {
    ...base.labels,
    ...rule.copy.labels,
    [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
    [RULE_LABEL]: ruleLabel(rule),
    [SOURCE_NAMESPACE_LABEL]: labelValue(rule.source.namespace),
    [SOURCE_NAME_LABEL]: labelValue(rule.source.name),
    [SOURCE_CLUSTER_LABEL]: labelValue(clusterName),
  };
  if (rule.pull) labels[PULL_LABEL] = "true";
  const annotations: Record<string, string> = {
    ...base.annotations,
    ...rule.copy.annotations,
    [RULE_ID_ANNOTATION]: rule.id,
    [SOURCE_ANNOTATION]: `${rule.source.kind}/${rule.source.namespace}/${rule.source.name}`,
  };
  delete annotations[CONTENT_HASH_ANNOTATION];
  const body = {
    kind: rule.source.kind,
    namespace,
    name: pullTarget?.name ?? copyName(rule),
    labels,
    annotations,
    type: rule.source.kind === "Secret" ? (content.type ?? "Opaque") : undefined,
    // Shared with the source, never copied: a cached copy of a 1 MiB source in 1,000 namespaces
    // must not hold 1 GiB (sources are replaced, never mutated, when they change).
    data: content.data,
    binaryData: content.binaryData && Object.keys(content.binaryData).length > 0 ? content.binaryData : undefined,
    immutable: content.immutable === true ? true : undefined,
  };
  const hash = contentHash(body);
  body.annotations[CONTENT_HASH_ANNOTATION] = hash;
  return { ...body, contentHash: hash };
}

const takenOver = new WeakMap<DesiredCopy, Map<string, DesiredCopy>>();

/**
 * The desired copy of a target that Ferry took over from `tool`: the same copy, also annotated
 * with the tool's name, for as long as the copy lives (status counts read it back after a
 * restart). Memoised per desired copy and tool, like the copies themselves.
 */
export function withTakeoverMark(desired: DesiredCopy, tool: string): DesiredCopy {
  let byTool = takenOver.get(desired);
  if (!byTool) takenOver.set(desired, (byTool = new Map()));
  let marked = byTool.get(tool);
  if (!marked) {
    const annotations: Record<string, string> = { ...desired.annotations, [TAKEN_OVER_ANNOTATION]: tool };
    const hash = contentHash({ ...desired, annotations });
    annotations[CONTENT_HASH_ANNOTATION] = hash;
    byTool.set(tool, (marked = { ...desired, annotations, contentHash: hash }));
  }
  return marked;
}
