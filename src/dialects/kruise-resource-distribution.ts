// OpenKruise ResourceDistribution (apps.kruise.io/v1alpha1, cluster-scoped): spec.resource is a
// complete Secret or ConfigMap carried inline; spec.targets picks namespaces as the union of
// allNamespaces, includedNamespaces and namespaceLabelSelector, minus excludedNamespaces, and
// never kube-system or kube-public. The status mirrors OpenKruise's
// (kruise-resource-distribution-status.ts).
import type { CopyMarks, InlineContent, ParseResult, Rule, RuleError, RuleScope, SourceKind } from "../core/types.js";
import type { CustomResource, CustomResourceType, Dialect } from "./dialect.js";
import { KRUISE_FORBIDDEN_NAMESPACES } from "./kruise-annotations.js";
import { isEmptySelector, isNamespaceName, isObjectName, isRecord, quoteList, readLabelSelector, truncate } from "./input.js";
import { resourceDistributionStatus } from "./kruise-resource-distribution-status.js";
import { ruleId } from "../core/rule-id.js";
import { isCopy, notCopy } from "./copy-marks.js";
import { addUnique, emptyResult, emptyTargets, guard, resourceOrigin, ruleError } from "./rule-building.js";

const DIALECT = "kruise-rd";
export const RESOURCE_DISTRIBUTION: CustomResourceType = {
  group: "apps.kruise.io",
  version: "v1alpha1",
  kind: "ResourceDistribution",
  plural: "resourcedistributions",
  namespaced: false,
};
/** ResourceDistribution is cluster-scoped: only administrators create one. */
const SCOPE: RuleScope = "administrator";
const API_VERSION = `${RESOURCE_DISTRIBUTION.group}/${RESOURCE_DISTRIBUTION.version}`;

/** The annotations OpenKruise writes on every distributed copy. */
export const KRUISE_RESOURCE_FROM = "kruise.io/resourcedistribution.resource.from";
export const KRUISE_RESOURCE_HASHCODE = "kruise.io/resourcedistribution.resource.hashcode";
/**
 * OpenKruise annotates each copy `resource.from: <ResourceDistribution name>` and
 * `resource.hashcode`, and makes the ResourceDistribution its controller (ownerReference with
 * the RD's uid) (openkruise/kruise v1.9.0 pkg/controller/resourcedistribution/utils.go
 * `makeResourceObject`, `isControlledByDistributor`). Proof: the controller reference is this
 * very ResourceDistribution (by uid, where OpenKruise itself compares only the name). The write
 * that takes a copy over drops the reference, or Kubernetes' garbage collector would delete the
 * copy with the ResourceDistribution.
 */
const COPY_MARKS: CopyMarks = {
  tool: "OpenKruise",
  keys: [KRUISE_RESOURCE_FROM, KRUISE_RESOURCE_HASHCODE],
  proves(object, { rule }) {
    if (rule.origin.dialect !== DIALECT || rule.origin.kind !== RESOURCE_DISTRIBUTION.kind) {
      return notCopy("it is a ResourceDistribution's copy, and this rule is not that ResourceDistribution");
    }
    const controller = object.owners?.find((owner) => owner.controller === true);
    if (!controller || controller.apiVersion !== API_VERSION || controller.kind !== RESOURCE_DISTRIBUTION.kind) {
      return notCopy("no ResourceDistribution is its controller (ownerReference)");
    }
    if (controller.name !== rule.origin.name || controller.uid !== rule.origin.uid) return notCopy(`it belongs to another ResourceDistribution (${controller.name}, or an earlier one of that name)`);
    return isCopy;
  },
};

const DATA_KEY = /^[-._a-zA-Z0-9]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function isDataKey(key: string): boolean {
  return key.length <= 253 && DATA_KEY.test(key);
}

/** Reads a map of string values; reports keys (never values) that are invalid. */
function readData(
  value: unknown,
  field: string,
  problems: string[],
  base64: boolean,
): Record<string, string> {
  const out: Record<string, string> = {};
  if (value === undefined || value === null) return out;
  if (!isRecord(value)) {
    problems.push(`${field} must be a map`);
    return out;
  }
  for (const [key, entry] of Object.entries(value)) {
    if (!isDataKey(key)) {
      problems.push(`${field} has an invalid key ${JSON.stringify(truncate(key, 80))}`);
      continue;
    }
    if (typeof entry !== "string") {
      problems.push(`${field}[${JSON.stringify(truncate(key, 80))}] must be a string (quote it in YAML)`);
      continue;
    }
    if (base64 && !BASE64.test(entry.replace(/\s+/g, ""))) {
      problems.push(`${field}[${JSON.stringify(truncate(key, 80))}] is not valid base64`);
      continue;
    }
    out[key] = base64 ? entry.replace(/\s+/g, "") : entry;
  }
  return out;
}

function readStringMap(value: unknown, field: string, problems: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  if (value === undefined || value === null) return out;
  if (!isRecord(value)) {
    problems.push(`${field} must be a map of strings`);
    return out;
  }
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== "string") problems.push(`${field}[${JSON.stringify(truncate(key, 80))}] must be a string`);
    else out[key] = entry;
  }
  return out;
}

interface InlineResource {
  kind: SourceKind;
  name: string;
  content: InlineContent;
}

function readResource(value: unknown, problems: string[]): InlineResource | undefined {
  if (!isRecord(value)) {
    problems.push("spec.resource must be a complete Secret or ConfigMap");
    return undefined;
  }
  if (value.apiVersion !== "v1") {
    problems.push(`spec.resource.apiVersion must be "v1", not ${JSON.stringify(truncate(String(value.apiVersion), 60))}`);
  }
  const kind = value.kind;
  if (kind !== "Secret" && kind !== "ConfigMap") {
    problems.push(`spec.resource.kind must be Secret or ConfigMap (the only kinds ResourceDistribution distributes), not ${JSON.stringify(truncate(String(kind), 60))}`);
    return undefined;
  }
  const metadata = isRecord(value.metadata) ? value.metadata : undefined;
  const name = metadata?.name;
  if (typeof name !== "string" || !isObjectName(name)) {
    problems.push(`spec.resource.metadata.name must be a valid object name`);
  }
  const content: InlineContent = {
    labels: readStringMap(metadata?.labels, "spec.resource.metadata.labels", problems),
    annotations: readStringMap(metadata?.annotations, "spec.resource.metadata.annotations", problems),
    data: {},
  };
  if (value.immutable !== undefined && value.immutable !== null) {
    if (typeof value.immutable !== "boolean") problems.push("spec.resource.immutable must be a boolean");
    else content.immutable = value.immutable;
  }
  if (kind === "Secret") {
    const data = readData(value.data, "spec.resource.data", problems, true);
    const stringData = readData(value.stringData, "spec.resource.stringData", problems, false);
    // As the API server does: stringData is written into data, overriding keys present in both.
    for (const [key, text] of Object.entries(stringData)) data[key] = Buffer.from(text, "utf8").toString("base64");
    content.data = data;
    if (value.type === undefined || value.type === null) content.type = "Opaque";
    else if (typeof value.type === "string" && value.type !== "") content.type = value.type;
    else problems.push("spec.resource.type must be a non-empty string");
  } else {
    content.data = readData(value.data, "spec.resource.data", problems, false);
    const binaryData = readData(value.binaryData, "spec.resource.binaryData", problems, true);
    const both = Object.keys(binaryData).filter((key) => key in content.data);
    if (both.length > 0) problems.push(`spec.resource keys ${quoteList(both)} appear in both data and binaryData`);
    if (Object.keys(binaryData).length > 0) content.binaryData = binaryData;
  }
  if (problems.length > 0 || typeof name !== "string") return undefined;
  return { kind, name, content };
}

function readNamespaceList(value: unknown, field: string, problems: string[]): string[] {
  if (value === undefined || value === null) return [];
  if (!isRecord(value) || (value.list !== undefined && value.list !== null && !Array.isArray(value.list))) {
    problems.push(`${field} must be {list: [{name: <namespace>}]}`);
    return [];
  }
  const names: string[] = [];
  const invalid: string[] = [];
  for (const entry of (value.list as unknown[] | undefined) ?? []) {
    const name = isRecord(entry) ? entry.name : undefined;
    if (typeof name === "string" && isNamespaceName(name)) addUnique(names, name);
    else invalid.push(typeof name === "string" ? name : JSON.stringify(entry ?? null).slice(0, 60));
  }
  if (invalid.length > 0) problems.push(`${field} has invalid namespace names ${quoteList(invalid)}; they are ignored`);
  return names;
}

function parse(resource: CustomResource): ParseResult {
  const origin = resourceOrigin(DIALECT, resource);
  const errors: RuleError[] = [];
  const spec = isRecord(resource.spec) ? resource.spec : {};
  const resourceProblems: string[] = [];
  const inline = readResource(spec.resource, resourceProblems);
  for (const problem of resourceProblems) errors.push(ruleError(origin, "InvalidResource", problem));

  const targetProblems: string[] = [];
  const targetsSpec = isRecord(spec.targets) ? spec.targets : {};
  if (!isRecord(spec.targets)) targetProblems.push("spec.targets is missing; nothing is distributed");
  const targets = emptyTargets();
  targets.allNamespaces = targetsSpec.allNamespaces === true;
  targets.namespaces = readNamespaceList(targetsSpec.includedNamespaces, "spec.targets.includedNamespaces", targetProblems);
  targets.exclude = readNamespaceList(targetsSpec.excludedNamespaces, "spec.targets.excludedNamespaces", targetProblems);
  addUnique(targets.exclude, ...KRUISE_FORBIDDEN_NAMESPACES);
  if (targetsSpec.namespaceLabelSelector !== undefined && targetsSpec.namespaceLabelSelector !== null) {
    const { selector, problem } = readLabelSelector(targetsSpec.namespaceLabelSelector);
    if (problem) errors.push(ruleError(origin, "InvalidSelector", `spec.targets.namespaceLabelSelector: ${problem}`));
    // OpenKruise selects nothing with an empty selector (it only lists when the selector is non-empty).
    else if (selector && !isEmptySelector(selector)) targets.namespaceSelector = selector;
  }
  for (const problem of targetProblems) errors.push(ruleError(origin, "InvalidTargets", problem));

  if (!inline) return { rules: [], errors };
  const name = origin.name;
  const metadata = isRecord(resource.metadata) ? resource.metadata : undefined;
  const rule: Rule = {
    id: ruleId(DIALECT, RESOURCE_DISTRIBUTION.kind, undefined, name),
    origin,
    scope: SCOPE,
    source: { kind: inline.kind, namespace: "", name: inline.name, inline: inline.content },
    targets,
    copy: { labels: {}, annotations: {} },
    prune: true,
    conflict: "skip",
  };
  if (typeof metadata?.creationTimestamp === "string" && metadata.creationTimestamp !== "") rule.createdAt = metadata.creationTimestamp;
  return { rules: [rule], errors };
}

function isResourceDistribution(resource: CustomResource): boolean {
  return (
    isRecord(resource) &&
    resource.apiVersion === API_VERSION &&
    resource.kind === RESOURCE_DISTRIBUTION.kind &&
    isRecord(resource.metadata) &&
    typeof resource.metadata.name === "string" &&
    resource.metadata.name !== ""
  );
}

export const kruiseResourceDistributionDialect: Dialect = {
  name: DIALECT,
  triggerKeys: [],
  scopes: { resources: { [RESOURCE_DISTRIBUTION.kind]: SCOPE } },
  copyMarks: COPY_MARKS,
  customResourceTypes: [RESOURCE_DISTRIBUTION],
  fromCustomResource(resource) {
    if (!isResourceDistribution(resource)) return emptyResult();
    return guard(() => resourceOrigin(DIALECT, resource), () => parse(resource));
  },
  statusFor(resource, reports, errors) {
    if (!isResourceDistribution(resource)) return undefined;
    try {
      return resourceDistributionStatus(resource, reports, errors);
    } catch {
      return undefined;
    }
  },
};
