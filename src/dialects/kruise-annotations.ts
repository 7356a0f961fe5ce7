// OpenKruise's "Resource Distribution" proposal (annotation form): a Secret/ConfigMap annotated
//   openkruise.io/sync-to: "namespaces" + openkruise.io/sync-to/namespaces: "ns-1;ns-2"
// is copied into the listed namespaces;
//   openkruise.io/sync-to: "cluster"
// into every namespace except kube-system and kube-public.
//
// The proposal's list key `openkruise.io/sync-to/namespaces` has two slashes, which the API
// server rejects (an annotation key is `[prefix/]name` and the name may not contain "/"), so
// Story 1 cannot be applied as written. Ferry also reads the valid spelling
// `openkruise.io/sync-to-namespaces` (same value, same meaning); the seed's key is kept for
// fidelity (objects built without API validation, e.g. `ferry plan` on files).
import type { ParseResult, RuleError, RuleScope } from "../core/types.js";
import type { Dialect, SourceMetadata } from "./dialect.js";
import { isNamespaceName, quoteList, splitList, truncate } from "./input.js";
import { emptyTargets, pushRule, ruleError, sourceOrigin, stateError, sourceParser } from "./rule-building.js";

export const KRUISE_SYNC_TO = "openkruise.io/sync-to";
/** As written in the proposal; not a valid annotation key for the API server. */
export const KRUISE_SYNC_TO_NAMESPACES = "openkruise.io/sync-to/namespaces";
/** The valid spelling Ferry reads as well (and prefers when both are present). */
export const KRUISE_SYNC_TO_NAMESPACES_VALID = "openkruise.io/sync-to-namespaces";
/** Namespaces OpenKruise never distributes into (its `allNamespaces` and `sync-to: cluster`). */
export const KRUISE_FORBIDDEN_NAMESPACES: readonly string[] = ["kube-system", "kube-public"];

const DIALECT = "kruise";
const TRIGGER_KEYS = [KRUISE_SYNC_TO, KRUISE_SYNC_TO_NAMESPACES, KRUISE_SYNC_TO_NAMESPACES_VALID];
/** Anyone who can annotate a Secret asks for these copies. */
const SCOPE: RuleScope = "tenant";

function parse(meta: SourceMetadata): ParseResult {
  const origin = sourceOrigin(DIALECT, meta);
  const mode = meta.annotations[KRUISE_SYNC_TO];
  const listKey = meta.annotations[KRUISE_SYNC_TO_NAMESPACES_VALID] !== undefined ? KRUISE_SYNC_TO_NAMESPACES_VALID : KRUISE_SYNC_TO_NAMESPACES;
  const list = meta.annotations[listKey];
  const errors: RuleError[] = [];
  if (mode === undefined) {
    // The proposal returns early when sync-to is absent: the list alone asks for nothing.
    return {
      rules: [],
      errors: [stateError(origin, "InvalidAnnotation", `${listKey} is set but ${KRUISE_SYNC_TO} is missing; set ${KRUISE_SYNC_TO}: "namespaces" to use the list`)],
    };
  }
  const value = mode.trim();
  if (value === "cluster") {
    const targets = emptyTargets();
    targets.allNamespaces = true;
    targets.exclude = [...KRUISE_FORBIDDEN_NAMESPACES];
    if (list !== undefined) {
      errors.push(stateError(origin, "IgnoredAnnotation", `${listKey} is ignored because ${KRUISE_SYNC_TO} is "cluster"`));
    }
    return { rules: [pushRule({ dialect: DIALECT, meta, scope: SCOPE, targets })], errors };
  }
  if (value === "namespaces") {
    const items = splitList(list ?? "", ";");
    const valid = items.filter(isNamespaceName);
    const invalid = items.filter((item) => !isNamespaceName(item));
    if (invalid.length > 0) {
      errors.push(ruleError(origin, "InvalidNamespaceName", `${listKey} lists invalid namespace names ${quoteList(invalid)}; they are ignored`));
    }
    if (items.length === 0) {
      errors.push(stateError(origin, "InvalidAnnotation", `${KRUISE_SYNC_TO} is "namespaces" but ${listKey} lists no namespace (use ${KRUISE_SYNC_TO_NAMESPACES_VALID}: "ns-1;ns-2")`));
    }
    const targets = emptyTargets();
    targets.namespaces = valid;
    // The rule exists even with no valid target so that copies from an earlier list are pruned.
    return { rules: [pushRule({ dialect: DIALECT, meta, scope: SCOPE, targets })], errors };
  }
  return {
    rules: [],
    errors: [ruleError(origin, "InvalidAnnotation", `${KRUISE_SYNC_TO} must be "namespaces" or "cluster", not ${JSON.stringify(truncate(mode, 80))}`)],
  };
}

export const kruiseAnnotationsDialect: Dialect = {
  name: DIALECT,
  triggerKeys: TRIGGER_KEYS,
  scopes: { source: SCOPE },
  fromSource: sourceParser(DIALECT, TRIGGER_KEYS, parse),
};
