// Ferry's own input: the ferry.dev/v1alpha1 Distribution (tenants) and ClusterDistribution
// (administrators) resources, and the ferry.dev/sync-to annotations for the quick case.
import { z } from "zod";
import { SelectorError, parseLabelSelector, validateLabelSelector } from "../core/label-selector.js";
import { labelSelectorSchema, targetsSchema } from "../core/label-selector-schema.js";
import type { LabelSelector, ParseResult, Rule, RuleError, RuleOrigin, RuleReport, TargetSelection } from "../core/types.js";
import type { CustomResource, CustomResourceType, Dialect, DialectScopes, SourceMetadata } from "./dialect.js";
import { ruleError, stateError, validNamesOrGlobs } from "./rule-building.js";
import { ruleId } from "../core/rule-id.js";

export const SYNC_TO = "ferry.dev/sync-to";
export const SYNC_TO_SELECTOR = "ferry.dev/sync-to-selector";
export const SYNC_EXCLUDE = "ferry.dev/sync-exclude";

export const distributionType: CustomResourceType = { group: "ferry.dev", version: "v1alpha1", kind: "Distribution", plural: "distributions", namespaced: true };
export const clusterDistributionType: CustomResourceType = {
  group: "ferry.dev",
  version: "v1alpha1",
  kind: "ClusterDistribution",
  plural: "clusterdistributions",
  namespaced: false,
};

const specSchema = z.object({
  source: z.object({ kind: z.enum(["Secret", "ConfigMap"]), name: z.string().min(1), namespace: z.string().min(1).optional() }),
  targets: targetsSchema.extend({ clusters: labelSelectorSchema.optional() }).default({ namespaces: [], allNamespaces: false, exclude: [] }),
  copy: z
    .object({
      name: z.string().min(1).optional(),
      labels: z.record(z.string(), z.string()).default({}),
      annotations: z.record(z.string(), z.string()).default({}),
    })
    .default({ labels: {}, annotations: {} }),
  prune: z.boolean().default(true),
  conflict: z.enum(["skip", "adopt", "overwrite"]).default("skip"),
});

/** Annotations and Distributions are a tenant's; a cluster-scoped ClusterDistribution is an administrator's. */
const SCOPES = {
  source: "tenant",
  resources: { Distribution: "tenant", ClusterDistribution: "administrator" },
} as const satisfies DialectScopes;

export type DistributionSpec = z.infer<typeof specSchema>;

/** Splits a comma list, trimming spaces and dropping empty items. */
export function splitList(value: string, separator: string | RegExp = ","): string[] {
  return value
    .split(separator)
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

function fromAnnotations(meta: SourceMetadata): ParseResult {
  const syncTo = meta.annotations[SYNC_TO];
  const selectorText = meta.annotations[SYNC_TO_SELECTOR];
  if (syncTo === undefined && selectorText === undefined) return { rules: [], errors: [] };
  const origin: RuleOrigin = { dialect: "native", apiVersion: "v1", kind: meta.kind, namespace: meta.namespace, name: meta.name, uid: meta.uid };
  const errors: RuleError[] = [];
  const items = syncTo === undefined ? [] : splitList(syncTo);
  const all = items.includes("*");
  const targets: TargetSelection = {
    namespaces: all ? [] : validNamesOrGlobs(items, origin, errors),
    allNamespaces: all,
    exclude: validNamesOrGlobs(splitList(meta.annotations[SYNC_EXCLUDE] ?? ""), origin, errors),
  };
  if (selectorText !== undefined) {
    try {
      targets.namespaceSelector = parseLabelSelector(selectorText);
    } catch (failure) {
      if (!(failure instanceof SelectorError)) throw failure;
      errors.push(ruleError(origin, "InvalidSelector", `${SYNC_TO_SELECTOR}: ${failure.message}`));
    }
  }
  if (!targets.allNamespaces && targets.namespaces.length === 0 && !targets.namespaceSelector) {
    if (errors.length === 0) errors.push(stateError(origin, "NoTargets", `${SYNC_TO} names no namespace`));
    return { rules: [], errors };
  }
  const rule: Rule = {
    id: ruleId("native", meta.kind, meta.namespace, meta.name),
    origin,
    scope: SCOPES.source,
    source: { kind: meta.kind, namespace: meta.namespace, name: meta.name },
    targets,
    copy: { labels: {}, annotations: {} },
    prune: true,
    conflict: "skip",
    createdAt: meta.creationTimestamp,
  };
  return { rules: [rule], errors };
}

function fromDistribution(resource: CustomResource): ParseResult {
  const cluster = resource.kind === "ClusterDistribution";
  const meta = resource.metadata;
  const origin: RuleOrigin = {
    dialect: "native",
    apiVersion: resource.apiVersion,
    kind: resource.kind,
    namespace: cluster ? undefined : meta.namespace,
    name: meta.name,
    uid: meta.uid,
  };
  const parsed = specSchema.safeParse(resource.spec ?? {});
  if (!parsed.success) {
    const message = parsed.error.issues.map((issue) => `spec.${issue.path.join(".")}: ${issue.message}`).join("; ");
    return { rules: [], errors: [ruleError(origin, "InvalidSpec", message)] };
  }
  const spec = parsed.data;
  const errors: RuleError[] = [];
  let sourceNamespace: string;
  if (cluster) {
    if (!spec.source.namespace) return { rules: [], errors: [ruleError(origin, "InvalidSpec", "spec.source.namespace is required")] };
    sourceNamespace = spec.source.namespace;
  } else {
    if (spec.source.namespace && spec.source.namespace !== meta.namespace) {
      return {
        rules: [],
        errors: [ruleError(origin, "SourceOutsideNamespace", `a Distribution may only distribute from its own namespace ${meta.namespace}; use a ClusterDistribution`)],
      };
    }
    sourceNamespace = meta.namespace ?? "";
  }
  if (spec.targets.namespaceSelector) {
    try {
      validateLabelSelector(spec.targets.namespaceSelector as LabelSelector);
    } catch (failure) {
      if (!(failure instanceof SelectorError)) throw failure;
      return { rules: [], errors: [ruleError(origin, "InvalidSelector", `spec.targets.namespaceSelector: ${failure.message}`)] };
    }
  }
  const targets: TargetSelection = {
    namespaces: validNamesOrGlobs(spec.targets.namespaces, origin, errors),
    namespaceSelector: spec.targets.namespaceSelector as LabelSelector | undefined,
    allNamespaces: spec.targets.allNamespaces,
    exclude: validNamesOrGlobs(spec.targets.exclude, origin, errors),
  };
  const rule: Rule = {
    id: ruleId("native", resource.kind, origin.namespace, meta.name),
    origin,
    scope: cluster ? SCOPES.resources.ClusterDistribution : SCOPES.resources.Distribution,
    source: { kind: spec.source.kind, namespace: sourceNamespace, name: spec.source.name },
    targets,
    copy: { name: spec.copy.name, labels: spec.copy.labels, annotations: spec.copy.annotations },
    prune: spec.prune,
    conflict: spec.conflict,
    createdAt: meta.creationTimestamp,
  };
  return { rules: [rule], errors };
}

const maxListedTargets = 20;

/** The status of a Distribution/ClusterDistribution (without lastTransitionTime: the controller keeps those). */
export function distributionStatus(resource: CustomResource, reports: RuleReport[], errors: RuleError[]): Record<string, unknown> {
  const report = reports[0];
  const counts = { desired: report?.desired ?? 0, synced: report?.synced ?? 0, conflicts: report?.conflicts ?? 0, failed: report?.failed ?? 0 };
  let ready: { status: "True" | "False"; reason: string; message: string };
  if (errors.length > 0) ready = { status: "False", reason: errors[0]!.reason, message: errors.map((e) => e.message).join("; ") };
  else if (!report) ready = { status: "False", reason: "Pending", message: "not planned yet" };
  else if (report.problem) ready = { status: "False", reason: report.problem.reason, message: report.problem.message };
  else if (counts.failed > 0) ready = { status: "False", reason: "WriteFailed", message: `${counts.failed} target(s) failed` };
  else if (counts.conflicts > 0) ready = { status: "False", reason: "Conflict", message: `${counts.conflicts} target(s) in conflict` };
  else if (counts.synced < counts.desired) ready = { status: "False", reason: "Syncing", message: `${counts.synced}/${counts.desired} copies in sync` };
  else ready = { status: "True", reason: "Synced", message: `${counts.synced}/${counts.desired} copies in sync` };
  const failing = (report?.outcomes ?? []).filter((o) => o.state !== "Pending" || o.reason !== "Syncing");
  return {
    observedGeneration: resource.metadata.generation,
    ...counts,
    conditions: [{ type: "Ready", ...ready, observedGeneration: resource.metadata.generation }],
    failingTargets: failing.slice(0, maxListedTargets).map((o) => ({ namespace: o.namespace, name: o.name, state: o.state, reason: o.reason, message: o.message })),
    ...(failing.length > maxListedTargets ? { failingTargetsOmitted: failing.length - maxListedTargets } : {}),
  };
}

export const nativeDialect: Dialect = {
  name: "native",
  triggerKeys: [SYNC_TO, SYNC_TO_SELECTOR, SYNC_EXCLUDE],
  scopes: SCOPES,
  fromSource: (meta) => fromAnnotations(meta),
  customResourceTypes: [distributionType, clusterDistributionType],
  fromCustomResource: (resource) => fromDistribution(resource),
  statusFor: distributionStatus,
};
