// whisperer.rs: a Secret labelled `secret-syncer.jeffl.es/sync: "true"` is mirrored into the
// namespaces of its annotation `secret-syncer.jeffl.es/namespaces: "a,b,missing"`. Mirrors are
// labelled `secret-syncer.jeffl.es/mirror: "true"` plus the source's name and namespace, so the
// seed's `kubectl get secrets -l ...` queries keep working. Secrets only.
import type { CopyMarks, ParseResult, RuleError, RuleScope } from "../core/types.js";
import { labelValue } from "../core/marks.js";
import type { Dialect, SourceMetadata } from "./dialect.js";
import { isNamespaceName, quoteList, splitList } from "./input.js";
import { emptyResult, emptyTargets, pushRule, ruleError, sourceFromLabels, sourceOrigin, sourceParser, stateError } from "./rule-building.js";

const DIALECT = "whisperer";
export const WHISPERER_SYNC_LABEL = "secret-syncer.jeffl.es/sync";
export const WHISPERER_NAMESPACES_ANNOTATION = "secret-syncer.jeffl.es/namespaces";
export const WHISPERER_MIRROR_LABEL = "secret-syncer.jeffl.es/mirror";
export const WHISPERER_NAME_LABEL = "secret-syncer.jeffl.es/name";
export const WHISPERER_NAMESPACE_LABEL = "secret-syncer.jeffl.es/namespace";
const TRIGGER_KEYS = [WHISPERER_SYNC_LABEL, WHISPERER_NAMESPACES_ANNOTATION];
/** Anyone who can label a Secret asks for these copies. */
const SCOPE: RuleScope = "tenant";
/** whisperer.rs labels its mirrors, with their source's name and namespace. */
const COPY_MARKS: CopyMarks = {
  tool: "whisperer.rs",
  keys: [WHISPERER_MIRROR_LABEL],
  sourceOf: sourceFromLabels(WHISPERER_NAME_LABEL, WHISPERER_NAMESPACE_LABEL),
};

function parse(meta: SourceMetadata): ParseResult {
  // whisperer.rs only watches Secrets selected by the label; without it the annotation is inert.
  if (meta.labels[WHISPERER_SYNC_LABEL] !== "true") return emptyResult();
  const origin = sourceOrigin(DIALECT, meta);
  if (meta.kind !== "Secret") {
    return {
      rules: [],
      errors: [ruleError(origin, "UnsupportedKind", `whisperer mirrors Secrets only; the ${WHISPERER_SYNC_LABEL} label on a ${meta.kind} is ignored`)],
    };
  }
  const errors: RuleError[] = [];
  const list = meta.annotations[WHISPERER_NAMESPACES_ANNOTATION];
  const items = splitList(list ?? "", ",");
  const invalid = items.filter((item) => !isNamespaceName(item));
  if (list === undefined || items.length === 0) {
    errors.push(stateError(origin, "InvalidAnnotation", `the ${WHISPERER_SYNC_LABEL} label is set but ${WHISPERER_NAMESPACES_ANNOTATION} lists no namespace (use "a,b")`));
  }
  if (invalid.length > 0) {
    errors.push(ruleError(origin, "InvalidNamespaceName", `${WHISPERER_NAMESPACES_ANNOTATION} lists invalid namespace names ${quoteList(invalid)}; they are ignored`));
  }
  const targets = emptyTargets();
  targets.namespaces = items.filter(isNamespaceName);
  const copyLabels = {
    [WHISPERER_MIRROR_LABEL]: "true",
    [WHISPERER_NAME_LABEL]: labelValue(meta.name),
    [WHISPERER_NAMESPACE_LABEL]: labelValue(meta.namespace),
  };
  return { rules: [pushRule({ dialect: DIALECT, meta, scope: SCOPE, targets, copyLabels })], errors };
}

export const whispererDialect: Dialect = {
  name: DIALECT,
  triggerKeys: TRIGGER_KEYS,
  scopes: { source: SCOPE },
  copyMarks: COPY_MARKS,
  fromSource: sourceParser(DIALECT, TRIGGER_KEYS, parse, "labels and annotations"),
};
