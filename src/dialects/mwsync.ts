// secret-replicator-eks ("mw sync"): a Secret or ConfigMap in the operator's own namespace (for
// Ferry: context.ferryNamespace) annotated `mw_sec/sync: "true"` or `mw-sync: "yes"` is pushed
// into every namespace of the cluster. Protected namespaces are the engine policy's business.
// The hub-to-member push of the same flow is a multi-cluster rule, not this dialect's.
import type { ParseResult, RuleError, RuleScope } from "../core/types.js";
import type { Dialect, DialectContext, SourceMetadata } from "./dialect.js";
import { truncate } from "./input.js";
import { emptyTargets, pushRule, ruleError, sourceOrigin, sourceParser, stateError } from "./rule-building.js";

const DIALECT = "mwsync";
/** As written in the seed (`mw_sec` is not a valid DNS prefix, so the API server rejects it; kept for fidelity). */
export const MWSYNC_SEC_ANNOTATION = "mw_sec/sync";
export const MWSYNC_ANNOTATION = "mw-sync";
const TRIGGER_KEYS = [MWSYNC_SEC_ANNOTATION, MWSYNC_ANNOTATION];
/** Only administrators (and Ferry) write Ferry's own namespace, where these sources must live. */
const SCOPE: RuleScope = "administrator";

function flag(value: string): boolean | undefined {
  const text = value.trim().toLowerCase();
  if (text === "true" || text === "yes") return true;
  if (text === "false" || text === "no" || text === "") return false;
  return undefined;
}

function parse(meta: SourceMetadata, context: DialectContext): ParseResult {
  const origin = sourceOrigin(DIALECT, meta);
  const errors: RuleError[] = [];
  let wanted = false;
  for (const key of TRIGGER_KEYS) {
    const value = meta.annotations[key];
    if (value === undefined) continue;
    const parsed = flag(value);
    if (parsed === undefined) {
      errors.push(ruleError(origin, "InvalidAnnotation", `${key} must be "true" or "yes" (or "false"/"no"), not ${JSON.stringify(truncate(value, 80))}`));
    } else if (parsed) wanted = true;
  }
  if (!wanted) return { rules: [], errors };
  const ferryNamespace = typeof context?.ferryNamespace === "string" ? context.ferryNamespace : "";
  if (meta.namespace !== ferryNamespace) {
    errors.push(
      stateError(
        origin,
        "NotInFerryNamespace",
        `the mw sync annotations only act on objects in Ferry's namespace ${JSON.stringify(ferryNamespace)}; this ${meta.kind} is in ${JSON.stringify(meta.namespace)}`,
      ),
    );
    return { rules: [], errors };
  }
  const targets = emptyTargets();
  targets.allNamespaces = true;
  return { rules: [pushRule({ dialect: DIALECT, meta, scope: SCOPE, targets })], errors };
}

export const mwsyncDialect: Dialect = {
  name: DIALECT,
  triggerKeys: TRIGGER_KEYS,
  scopes: { source: SCOPE },
  fromSource: sourceParser(DIALECT, TRIGGER_KEYS, parse),
};
