// The `registry-creds` dialect: a Secret that Ferry's registry controller generated in Ferry's
// own namespace carries `ferry.dev/registry-credential: <json>`, and this parser turns it into
// a cluster-scoped rule that copies it to its targets (all namespaces unless the
// RegistryCredential says otherwise), skipping namespaces annotated `registry-creds/ignore:
// "true"`. Copies are labelled so the ServiceAccount patcher finds them, and say which
// ServiceAccounts should list them in imagePullSecrets. Pure: no I/O.
import { z } from "zod";
import { SelectorError, validateLabelSelector } from "../core/label-selector.js";
import { targetsSchema } from "../core/label-selector-schema.js";
import type { LabelSelector, ParseResult, Rule, RuleError, RuleScope, TargetSelection } from "../core/types.js";
import { truncate } from "../dialects/input.js";
import { ruleId } from "../core/rule-id.js";
import { ruleError, sourceOrigin, sourceParser, stateError, validNamesOrGlobs } from "../dialects/rule-building.js";
import type { Dialect, DialectContext, SourceMetadata } from "../dialects/dialect.js";

export const DIALECT = "registry-creds";
/** On a generated Secret in Ferry's namespace: distribute me (JSON: targets, serviceAccounts, conflict). */
export const REGISTRY_CREDENTIAL_ANNOTATION = "ferry.dev/registry-credential";
/** On copies: this is a copy of a registry credential (the ServiceAccount patcher selects by it). */
export const REGISTRY_COPY_LABEL = "ferry.dev/registry-copy";
/** On copies: comma list of ServiceAccounts whose imagePullSecrets should name the copy. */
export const SERVICE_ACCOUNTS_ANNOTATION = "ferry.dev/image-pull-service-accounts";
/** registry-creds' namespace opt-out, honoured for every registry credential. */
export const IGNORE_ANNOTATION = "registry-creds/ignore";
/** Only administrators (and Ferry) write Ferry's namespace, where generated Secrets live. */
const SCOPE: RuleScope = "administrator";

const annotationSchema = z.object({
  targets: targetsSchema.optional(),
  serviceAccounts: z.array(z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/)).default(["default"]),
  conflict: z.enum(["skip", "overwrite"]).default("skip"),
});

export type RegistryCredentialAnnotation = z.input<typeof annotationSchema>;

/** The annotation value the controller writes (stable key order). */
export function registryCredentialAnnotation(value: { targets: TargetSelection; serviceAccounts: string[]; conflict: "skip" | "overwrite" | "adopt" }): string {
  const targets: Record<string, unknown> = { allNamespaces: value.targets.allNamespaces, namespaces: value.targets.namespaces, exclude: value.targets.exclude };
  if (value.targets.namespaceSelector) targets.namespaceSelector = value.targets.namespaceSelector;
  return JSON.stringify({ targets, serviceAccounts: value.serviceAccounts, conflict: value.conflict === "overwrite" ? "overwrite" : "skip" });
}

function parse(meta: SourceMetadata, context: DialectContext): ParseResult {
  const origin = sourceOrigin(DIALECT, meta);
  const raw = meta.annotations[REGISTRY_CREDENTIAL_ANNOTATION] ?? "";
  if (meta.kind !== "Secret") return { rules: [], errors: [ruleError(origin, "InvalidSource", `${REGISTRY_CREDENTIAL_ANNOTATION} is only read on Secrets`)] };
  const ferryNamespace = typeof context?.ferryNamespace === "string" ? context.ferryNamespace : "";
  if (meta.namespace !== ferryNamespace) {
    return {
      rules: [],
      errors: [stateError(origin, "NotInFerryNamespace", `${REGISTRY_CREDENTIAL_ANNOTATION} only acts on Secrets in Ferry's namespace ${JSON.stringify(ferryNamespace)}`)],
    };
  }
  let json: unknown = {};
  if (raw.trim() !== "" && raw.trim() !== "true") {
    try {
      json = JSON.parse(raw);
    } catch {
      return { rules: [], errors: [ruleError(origin, "InvalidAnnotation", `${REGISTRY_CREDENTIAL_ANNOTATION} is not valid JSON`)] };
    }
  }
  const parsed = annotationSchema.safeParse(json);
  if (!parsed.success) {
    const message = parsed.error.issues.map((issue) => `${issue.path.join(".") || "value"}: ${issue.message}`).join("; ");
    return { rules: [], errors: [ruleError(origin, "InvalidAnnotation", `${REGISTRY_CREDENTIAL_ANNOTATION}: ${message}`)] };
  }
  const errors: RuleError[] = [];
  const patterns = (items: string[]) => validNamesOrGlobs(items, origin, errors);
  const given = parsed.data.targets;
  const targets: TargetSelection = given
    ? { namespaces: patterns(given.namespaces), allNamespaces: given.allNamespaces, exclude: patterns(given.exclude) }
    : { namespaces: [], allNamespaces: true, exclude: [] };
  if (given?.namespaceSelector) {
    try {
      validateLabelSelector(given.namespaceSelector as LabelSelector);
      targets.namespaceSelector = given.namespaceSelector as LabelSelector;
    } catch (error) {
      if (!(error instanceof SelectorError)) throw error;
      return { rules: [], errors: [...errors, ruleError(origin, "InvalidSelector", `targets.namespaceSelector: ${truncate(error.message, 200)}`)] };
    }
  }
  if (!targets.allNamespaces && targets.namespaces.length === 0 && !targets.namespaceSelector) {
    return { rules: [], errors: [...errors, stateError(origin, "NoTargets", "the registry credential names no target namespace")] };
  }
  targets.excludeAnnotated = { [IGNORE_ANNOTATION]: "true" };
  const rule: Rule = {
    id: ruleId(DIALECT, "Secret", meta.namespace, meta.name),
    origin,
    scope: SCOPE,
    source: { kind: "Secret", namespace: meta.namespace, name: meta.name },
    targets,
    copy: {
      labels: { [REGISTRY_COPY_LABEL]: "true" },
      annotations: { [SERVICE_ACCOUNTS_ANNOTATION]: [...new Set(parsed.data.serviceAccounts)].join(",") },
    },
    prune: true,
    conflict: parsed.data.conflict,
  };
  if (typeof meta.creationTimestamp === "string" && meta.creationTimestamp !== "") rule.createdAt = meta.creationTimestamp;
  return { rules: [rule], errors };
}

export const registryCredsDialect: Dialect = {
  name: DIALECT,
  triggerKeys: [REGISTRY_CREDENTIAL_ANNOTATION],
  scopes: { source: SCOPE },
  fromSource: sourceParser(DIALECT, [REGISTRY_CREDENTIAL_ANNOTATION], parse),
};
