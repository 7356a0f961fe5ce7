// Stakater Multi-Tenant Operator templates (tenantoperator.stakater.com/v1alpha1).
// A cluster-scoped Template lists, at its top level (not under spec),
//   resources.resourceMappings.secrets[] / .configMaps[]: {name, namespace}
// and may also carry resources.manifests / resources.helm (and gotemplate in later releases),
// which Ferry does not do. The Template itself asks for nothing. A TemplateGroupInstance
// (cluster-scoped: spec.template, spec.selector, spec.sync) copies every mapped object into the
// namespaces its label selector matches; a TemplateInstance (namespaced: spec.template,
// spec.sync) copies them into its own namespace. A TemplateGroupInstance is an administrator's
// rule (only an administrator creates cluster-scoped objects); a TemplateInstance is a tenant's
// (whoever may edit its namespace creates it), so the consent policy applies to it: under strict,
// its namespace must accept copies from the mapped object's namespace.
//
// spec.sync: false means, in MTO, "render once, do not follow later changes". Ferry keeps copies
// current either way; the value is read but not acted on (see docs/dialects.md).
import type { LabelSelector, ParseResult, Rule, RuleError, RuleOrigin, RuleReport, RuleScope, SourceKind, TargetSelection } from "../core/types.js";
import type { CustomResource, CustomResourceType, Dialect, DialectContext } from "./dialect.js";
import { isEmptySelector, isNamespaceName, isObjectName, isRecord, readLabelSelector, truncate } from "./input.js";
import { genericStatus } from "./resource-status.js";
import { emptyResult, emptyTargets, guard, resourceOrigin, ruleError, stateError } from "./rule-building.js";
import { ruleId } from "../core/rule-id.js";

const DIALECT = "stakater";
const GROUP = "tenantoperator.stakater.com";
const VERSION = "v1alpha1";
const API_VERSION = `${GROUP}/${VERSION}`;

export const STAKATER_TEMPLATE: CustomResourceType = { group: GROUP, version: VERSION, kind: "Template", plural: "templates", namespaced: false };
export const STAKATER_TEMPLATE_GROUP_INSTANCE: CustomResourceType = {
  group: GROUP,
  version: VERSION,
  kind: "TemplateGroupInstance",
  plural: "templategroupinstances",
  namespaced: false,
};
export const STAKATER_TEMPLATE_INSTANCE: CustomResourceType = {
  group: GROUP,
  version: VERSION,
  kind: "TemplateInstance",
  plural: "templateinstances",
  namespaced: true,
};

/** Who authors each kind: cluster-scoped objects are an administrator's, a namespaced TemplateInstance a tenant's. */
const SCOPES = { Template: "administrator", TemplateGroupInstance: "administrator", TemplateInstance: "tenant" } as const satisfies Record<string, RuleScope>;

interface Mapping {
  kind: SourceKind;
  namespace: string;
  name: string;
}

interface TemplateContent {
  mappings: Mapping[];
  /** Errors about the Template's content, attributed to the instance that uses it; `state` ones hold no copy. */
  problems: Array<{ reason: string; message: string; state?: true }>;
}

/** The Template's `resources`: top-level in MTO's API; `spec.resources` accepted as a fallback. */
function templateResources(template: CustomResource): unknown {
  const whole = template as unknown as Record<string, unknown>;
  if (whole.resources !== undefined) return whole.resources;
  return isRecord(template.spec) ? template.spec.resources : undefined;
}

function readTemplate(template: CustomResource): TemplateContent {
  const content: TemplateContent = { mappings: [], problems: [] };
  const templateName = isRecord(template.metadata) && typeof template.metadata.name === "string" ? template.metadata.name : "";
  const resources = templateResources(template);
  if (resources === undefined || resources === null) {
    content.problems.push({ reason: "EmptyTemplate", message: `Template ${templateName} has no resources; nothing to distribute`, state: true });
    return content;
  }
  if (!isRecord(resources)) {
    content.problems.push({ reason: "InvalidTemplate", message: `Template ${templateName}: resources must be an object` });
    return content;
  }
  const unsupported: string[] = [];
  if (Array.isArray(resources.manifests) ? resources.manifests.length > 0 : resources.manifests !== undefined && resources.manifests !== null) {
    const count = Array.isArray(resources.manifests) ? resources.manifests.length : 1;
    unsupported.push(`resources.manifests (${count} manifest${count === 1 ? "" : "s"})`);
  }
  if (resources.helm !== undefined && resources.helm !== null) unsupported.push("resources.helm (a Helm chart)");
  for (const key of ["gotemplate", "goTemplate"]) {
    if (resources[key] !== undefined && resources[key] !== null) unsupported.push(`resources.${key} (a Go template)`);
  }
  if (unsupported.length > 0) {
    content.problems.push({
      reason: "UnsupportedTemplateFeature",
      message: `Template ${templateName} uses ${unsupported.join(" and ")}, which Ferry does not apply: Ferry only copies the Secrets and ConfigMaps of resources.resourceMappings`,
      state: true,
    });
  }
  const mappings = resources.resourceMappings;
  if (mappings !== undefined && mappings !== null && !isRecord(mappings)) {
    content.problems.push({ reason: "InvalidTemplate", message: `Template ${templateName}: resources.resourceMappings must be an object` });
  } else if (isRecord(mappings)) {
    const seen = new Set<string>();
    for (const [field, kind] of [
      ["secrets", "Secret"],
      ["configMaps", "ConfigMap"],
    ] as const) {
      const list = mappings[field];
      if (list === undefined || list === null) continue;
      if (!Array.isArray(list)) {
        content.problems.push({ reason: "InvalidTemplate", message: `Template ${templateName}: resources.resourceMappings.${field} must be a list` });
        continue;
      }
      for (const [index, entry] of list.entries()) {
        const name = isRecord(entry) ? entry.name : undefined;
        const namespace = isRecord(entry) ? entry.namespace : undefined;
        if (typeof name !== "string" || !isObjectName(name) || typeof namespace !== "string" || !isNamespaceName(namespace)) {
          content.problems.push({
            reason: "InvalidTemplate",
            message: `Template ${templateName}: resources.resourceMappings.${field}[${index}] needs a valid name and namespace; it is ignored`,
          });
          continue;
        }
        const key = `${kind}/${namespace}/${name}`;
        if (seen.has(key)) continue;
        seen.add(key);
        content.mappings.push({ kind, namespace, name });
      }
    }
  }
  if (content.mappings.length === 0 && unsupported.length === 0 && content.problems.length === 0) {
    content.problems.push({ reason: "EmptyTemplate", message: `Template ${templateName} maps no Secret or ConfigMap; nothing to distribute`, state: true });
  }
  return content;
}

function mappingRules(
  instance: CustomResource,
  origin: RuleOrigin,
  scope: RuleScope,
  mappings: readonly Mapping[],
  targetsFor: (mapping: Mapping) => TargetSelection,
): Rule[] {
  const metadata = isRecord(instance.metadata) ? instance.metadata : undefined;
  return mappings.map((mapping) => {
    const rule: Rule = {
      id: ruleId(DIALECT, origin.kind, origin.namespace, origin.name, mapping.kind, mapping.namespace, mapping.name),
      origin,
      scope,
      source: { kind: mapping.kind, namespace: mapping.namespace, name: mapping.name },
      targets: targetsFor(mapping),
      copy: { labels: {}, annotations: {} },
      prune: true,
      conflict: "skip",
    };
    if (typeof metadata?.creationTimestamp === "string" && metadata.creationTimestamp !== "") rule.createdAt = metadata.creationTimestamp;
    return rule;
  });
}

/** Reads spec.template and looks the Template up; pushes an error when that fails. */
function resolveTemplate(
  spec: Record<string, unknown>,
  origin: RuleOrigin,
  context: DialectContext,
  errors: RuleError[],
): TemplateContent | undefined {
  const templateName = spec.template;
  if (typeof templateName !== "string" || templateName.trim() === "") {
    errors.push(ruleError(origin, "InvalidSpec", "spec.template must name a Template"));
    return undefined;
  }
  const template = context.lookupCustomResource(STAKATER_TEMPLATE, undefined, templateName.trim());
  if (!template) {
    // A state, not bad input: the instance's copies are pruned, as when its sources are deleted.
    errors.push(stateError(origin, "TemplateNotFound", `Template ${JSON.stringify(truncate(templateName, 120))} does not exist`));
    return undefined;
  }
  const content = readTemplate(template);
  for (const problem of content.problems) errors.push((problem.state ? stateError : ruleError)(origin, problem.reason, problem.message));
  return content;
}

function parseGroupInstance(resource: CustomResource, context: DialectContext): ParseResult {
  const origin = resourceOrigin(DIALECT, resource);
  const errors: RuleError[] = [];
  const spec = isRecord(resource.spec) ? resource.spec : {};
  let selector: LabelSelector | undefined;
  if (spec.selector === undefined || spec.selector === null) {
    // A nil metav1.LabelSelector selects nothing.
    errors.push(stateError(origin, "InvalidSpec", "spec.selector is missing; no namespace is selected"));
  } else {
    const read = readLabelSelector(spec.selector);
    if (read.problem) errors.push(ruleError(origin, "InvalidSelector", `spec.selector: ${read.problem}`));
    selector = read.selector;
  }
  const content = resolveTemplate(spec, origin, context, errors);
  if (!content || !selector) return { rules: [], errors };
  const chosen = selector;
  const rules = mappingRules(resource, origin, SCOPES.TemplateGroupInstance, content.mappings, (mapping) => {
    const targets = emptyTargets();
    // An empty (non-nil) selector selects every namespace, as metav1.LabelSelectorAsSelector does.
    if (isEmptySelector(chosen)) {
      targets.allNamespaces = true;
    } else {
      targets.namespaceSelector = chosen;
    }
    targets.exclude = [mapping.namespace];
    return targets;
  });
  return { rules, errors };
}

function parseInstance(resource: CustomResource, context: DialectContext): ParseResult {
  const origin = resourceOrigin(DIALECT, resource);
  const errors: RuleError[] = [];
  if (!origin.namespace) {
    errors.push(ruleError(origin, "InvalidSpec", "a TemplateInstance must live in a namespace"));
    return { rules: [], errors };
  }
  const namespace = origin.namespace;
  const spec = isRecord(resource.spec) ? resource.spec : {};
  const content = resolveTemplate(spec, origin, context, errors);
  if (!content) return { rules: [], errors };
  const rules = mappingRules(resource, origin, SCOPES.TemplateInstance, content.mappings, (mapping) => {
    const targets = emptyTargets();
    targets.namespaces = [namespace];
    targets.exclude = [mapping.namespace];
    return targets;
  });
  return { rules, errors };
}

function kindOf(resource: CustomResource): "Template" | "TemplateGroupInstance" | "TemplateInstance" | undefined {
  if (!isRecord(resource) || resource.apiVersion !== API_VERSION) return undefined;
  if (!isRecord(resource.metadata) || typeof resource.metadata.name !== "string" || resource.metadata.name === "") return undefined;
  switch (resource.kind) {
    case "Template":
    case "TemplateGroupInstance":
    case "TemplateInstance":
      return resource.kind;
    default:
      return undefined;
  }
}

export const stakaterDialect: Dialect = {
  name: DIALECT,
  triggerKeys: [],
  scopes: { resources: SCOPES },
  customResourceTypes: [STAKATER_TEMPLATE, STAKATER_TEMPLATE_GROUP_INSTANCE, STAKATER_TEMPLATE_INSTANCE],
  fromCustomResource(resource, context) {
    const kind = kindOf(resource);
    // A Template asks for nothing by itself; its instances report what Ferry cannot do with it.
    if (kind === undefined || kind === "Template") return emptyResult();
    return guard(
      () => resourceOrigin(DIALECT, resource),
      () => (kind === "TemplateGroupInstance" ? parseGroupInstance(resource, context) : parseInstance(resource, context)),
    );
  },
  statusFor(resource: CustomResource, reports: RuleReport[], errors: RuleError[]) {
    const kind = kindOf(resource);
    if (kind === undefined || kind === "Template") return undefined;
    try {
      return genericStatus(resource, reports, errors);
    } catch {
      return undefined;
    }
  },
};
