// OpenKruise's "Resource Distribution" proposal (annotation form): a Secret/ConfigMap annotated
//   openkruise.io/sync-to: "namespaces" + openkruise.io/sync-to/namespaces: "ns-1;ns-2"
// is copied into the listed namespaces;
//   openkruise.io/sync-to: "cluster"
// into every namespace except kube-system and kube-public.
import type { ParseResult, RuleError } from "../core/types.js";
import type { Dialect, SourceMetadata } from "./dialect.js";
import {
  carriesAnyKey,
  emptyResult,
  emptyTargets,
  guard,
  isNamespaceName,
  KRUISE_FORBIDDEN_NAMESPACES,
  pushRule,
  quoteList,
  ruleError,
  saneSource,
  sourceOrigin,
  splitList,
  truncate,
} from "./common.js";

export const KRUISE_SYNC_TO = "openkruise.io/sync-to";
export const KRUISE_SYNC_TO_NAMESPACES = "openkruise.io/sync-to/namespaces";
const DIALECT = "kruise";
const TRIGGER_KEYS = [KRUISE_SYNC_TO, KRUISE_SYNC_TO_NAMESPACES];

function parse(meta: SourceMetadata): ParseResult {
  const origin = sourceOrigin(DIALECT, meta);
  const mode = meta.annotations[KRUISE_SYNC_TO];
  const list = meta.annotations[KRUISE_SYNC_TO_NAMESPACES];
  const errors: RuleError[] = [];
  if (mode === undefined) {
    // The proposal returns early when sync-to is absent: the list alone asks for nothing.
    return {
      rules: [],
      errors: [ruleError(origin, "InvalidAnnotation", `${KRUISE_SYNC_TO_NAMESPACES} is set but ${KRUISE_SYNC_TO} is missing; set ${KRUISE_SYNC_TO}: "namespaces" to use the list`)],
    };
  }
  const value = mode.trim();
  if (value === "cluster") {
    const targets = emptyTargets();
    targets.allNamespaces = true;
    targets.exclude = [...KRUISE_FORBIDDEN_NAMESPACES];
    if (list !== undefined) {
      errors.push(ruleError(origin, "IgnoredAnnotation", `${KRUISE_SYNC_TO_NAMESPACES} is ignored because ${KRUISE_SYNC_TO} is "cluster"`));
    }
    return { rules: [pushRule({ dialect: DIALECT, meta, scope: "namespace", targets })], errors };
  }
  if (value === "namespaces") {
    const items = splitList(list ?? "", ";");
    const valid = items.filter(isNamespaceName);
    const invalid = items.filter((item) => !isNamespaceName(item));
    if (invalid.length > 0) {
      errors.push(ruleError(origin, "InvalidNamespaceName", `${KRUISE_SYNC_TO_NAMESPACES} lists invalid namespace names ${quoteList(invalid)}; they are ignored`));
    }
    if (items.length === 0) {
      errors.push(ruleError(origin, "InvalidAnnotation", `${KRUISE_SYNC_TO} is "namespaces" but ${KRUISE_SYNC_TO_NAMESPACES} lists no namespace (use "ns-1;ns-2")`));
    }
    const targets = emptyTargets();
    targets.namespaces = valid;
    // The rule exists even with no valid target so that copies from an earlier list are pruned.
    return { rules: [pushRule({ dialect: DIALECT, meta, scope: "namespace", targets })], errors };
  }
  return {
    rules: [],
    errors: [ruleError(origin, "InvalidAnnotation", `${KRUISE_SYNC_TO} must be "namespaces" or "cluster", not ${JSON.stringify(truncate(mode, 80))}`)],
  };
}

export const kruiseAnnotationsDialect: Dialect = {
  name: DIALECT,
  triggerKeys: TRIGGER_KEYS,
  fromSource(input) {
    const meta = saneSource(input);
    if (!meta || !carriesAnyKey({ labels: {}, annotations: meta.annotations }, TRIGGER_KEYS)) return emptyResult();
    return guard(() => sourceOrigin(DIALECT, meta), () => parse(meta));
  },
};
