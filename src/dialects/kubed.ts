// AppsCode Kubed / config-syncer: a Secret or ConfigMap annotated `kubed.appscode.com/sync: ""`
// (or "true") is copied into every namespace; `kubed.appscode.com/sync: "app=kubed"` into the
// namespaces matching that label selector. Copies carry kubed's origin labels so that tooling
// listing copies by `kubed.appscode.com/origin.name=...` keeps working.
import type { CopyMarks, ParseResult, RuleError, RuleScope } from "../core/types.js";
import { parseLabelSelector, SelectorError } from "../core/label-selector.js";
import { labelValue } from "../core/marks.js";
import type { Dialect, DialectContext, SourceMetadata } from "./dialect.js";
import { isCopy, namesTheSource, notCopy, sourceFromLabels } from "./copy-marks.js";
import { isEmptySelector, isRecord, truncate } from "./input.js";
import { emptyTargets, pushRule, ruleError, sourceOrigin, sourceParser, stateError } from "./rule-building.js";

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
const originLabels = sourceFromLabels(KUBED_ORIGIN_NAME_LABEL, KUBED_ORIGIN_NAMESPACE_LABEL);

/** The `kubed.appscode.com/origin` annotation: JSON of the source's ObjectReference. */
function readOrigin(value: string | undefined): { namespace: string; name: string; uid?: string } | undefined {
  if (value === undefined) return undefined;
  try {
    const origin: unknown = JSON.parse(value);
    if (!isRecord(origin) || typeof origin.namespace !== "string" || typeof origin.name !== "string") return undefined;
    return { namespace: origin.namespace, name: origin.name, uid: typeof origin.uid === "string" ? origin.uid : undefined };
  } catch {
    return undefined;
  }
}

/**
 * config-syncer labels its copies `origin.name`, `origin.namespace`, `origin.cluster` and
 * annotates them `origin` (JSON: the source's namespace, name, uid and resourceVersion); copies
 * keep the source's name (kubeops/config-syncer v0.14.0-rc.0 pkg/syncer/syncer.go
 * `syncerLabels`/`syncerAnnotations`, secret.go/configmap.go `upsert*`; validated on the binary,
 * /work/notes/peer-copies). Proof: the labels and annotation name this source and the annotation's
 * uid is the source's own. config-syncer also marks its sources, pointing at themselves: those are
 * never copies.
 */
const COPY_MARKS: CopyMarks = {
  tool: "config-syncer",
  keys: [KUBED_ORIGIN_ANNOTATION, KUBED_ORIGIN_NAME_LABEL, KUBED_ORIGIN_NAMESPACE_LABEL, KUBED_ORIGIN_CLUSTER_LABEL],
  sourceOf: originLabels,
  proves(object, claim) {
    const origin = readOrigin(object.annotations[KUBED_ORIGIN_ANNOTATION]);
    if (!origin) return notCopy(`its ${KUBED_ORIGIN_ANNOTATION} annotation is missing or unreadable`);
    if (origin.namespace === object.namespace) return notCopy("its origin is its own namespace: config-syncer marks its sources too, and this is one");
    const labelled = originLabels(object);
    if (!labelled || labelled.namespace !== origin.namespace || labelled.name !== origin.name) return notCopy("its origin labels and origin annotation disagree");
    const verdict = namesTheSource(object, claim, origin);
    if (verdict.copy !== true) return verdict;
    if (origin.uid === undefined || origin.uid !== claim.source?.uid) return notCopy("it was copied from another object of that name (the origin's uid is not the source's)");
    return isCopy;
  },
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
