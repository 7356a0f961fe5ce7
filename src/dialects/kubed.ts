// AppsCode Kubed / config-syncer: a Secret or ConfigMap annotated `kubed.appscode.com/sync: ""`
// (or "true") is copied into every namespace; `kubed.appscode.com/sync: "app=kubed"` into the
// namespaces matching that label selector. Copies carry kubed's origin labels so that tooling
// listing copies by `kubed.appscode.com/origin.name=...` keeps working.
import type { CopyMarks, ParseResult, RuleError, RuleScope } from "../core/types.js";
import { parseLabelSelector, SelectorError } from "../core/label-selector.js";
import { labelValue } from "../core/marks.js";
import type { Dialect, DialectContext, SourceMetadata } from "./dialect.js";
import { isEmptySelector, truncate } from "./input.js";
import { emptyTargets, pushRule, ruleError, sourceFromLabels, sourceOrigin, sourceParser, stateError } from "./rule-building.js";

const DIALECT = "kubed";
export const KUBED_SYNC = "kubed.appscode.com/sync";
export const KUBED_SYNC_CONTEXTS = "kubed.appscode.com/sync-contexts";
export const KUBED_ORIGIN_NAME_LABEL = "kubed.appscode.com/origin.name";
export const KUBED_ORIGIN_NAMESPACE_LABEL = "kubed.appscode.com/origin.namespace";
export const KUBED_ORIGIN_CLUSTER_LABEL = "kubed.appscode.com/origin.cluster";
const TRIGGER_KEYS = [KUBED_SYNC, KUBED_SYNC_CONTEXTS];
/** Anyone who can annotate a Secret asks for these copies. */
const SCOPE: RuleScope = "tenant";
/** config-syncer marks its copies with an origin annotation and origin labels. */
export const KUBED_ORIGIN_ANNOTATION = "kubed.appscode.com/origin";
const COPY_MARKS: CopyMarks = {
  tool: "config-syncer (kubed)",
  keys: [KUBED_ORIGIN_ANNOTATION],
  sourceOf: sourceFromLabels(KUBED_ORIGIN_NAME_LABEL, KUBED_ORIGIN_NAMESPACE_LABEL),
};

function parse(meta: SourceMetadata, context: DialectContext): ParseResult {
  const origin = sourceOrigin(DIALECT, meta);
  const errors: RuleError[] = [];
  const contexts = meta.annotations[KUBED_SYNC_CONTEXTS];
  if (contexts !== undefined && contexts.trim() !== "") {
    errors.push(
      stateError(
        origin,
        "UnsupportedAnnotation",
        `${KUBED_SYNC_CONTEXTS} (copying into other clusters' kubeconfig contexts) is not supported; use a Ferry multi-cluster rule`,
      ),
    );
  }
  const value = meta.annotations[KUBED_SYNC];
  if (value === undefined) return { rules: [], errors };
  const targets = emptyTargets();
  const text = value.trim();
  if (text === "" || text === "true") {
    targets.allNamespaces = true;
  } else {
    try {
      const selector = parseLabelSelector(text);
      if (isEmptySelector(selector)) targets.allNamespaces = true;
      else targets.namespaceSelector = selector;
    } catch (error) {
      const problem = error instanceof SelectorError ? error.message : "cannot parse it";
      errors.push(ruleError(origin, "InvalidSelector", `${KUBED_SYNC} must be empty or a namespace label selector; ${JSON.stringify(truncate(value, 120))}: ${problem}`));
      return { rules: [], errors };
    }
  }
  const clusterName = typeof context?.clusterName === "string" ? context.clusterName : "";
  const copyLabels: Record<string, string> = {
    [KUBED_ORIGIN_NAME_LABEL]: labelValue(meta.name),
    [KUBED_ORIGIN_NAMESPACE_LABEL]: labelValue(meta.namespace),
  };
  if (clusterName !== "") copyLabels[KUBED_ORIGIN_CLUSTER_LABEL] = labelValue(clusterName);
  return { rules: [pushRule({ dialect: DIALECT, meta, scope: SCOPE, targets, copyLabels })], errors };
}

export const kubedDialect: Dialect = {
  name: DIALECT,
  triggerKeys: TRIGGER_KEYS,
  scopes: { source: SCOPE },
  copyMarks: COPY_MARKS,
  fromSource: sourceParser(DIALECT, TRIGGER_KEYS, parse),
};
