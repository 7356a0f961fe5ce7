// mittwald kubernetes-replicator, for Secrets and ConfigMaps.
// Push: `replicator.v1.mittwald.de/replicate-to: "ns1,ns2,app-ns-[0-9]*"` (names or regular
// expressions that must match the whole namespace name) and/or
// `replicator.v1.mittwald.de/replicate-to-matching: "<label selector>"` (namespace labels).
// Pull: `replicator.v1.mittwald.de/replicate-from: "<namespace>/<name>"` on an existing object,
// allowed only when that source says `replication-allowed: "true"` and its
// `replication-allowed-namespaces` (names or regular expressions) matches the object's namespace.
// As in the replicator, replicate-from wins: an object that pulls is not also a push source.
import type { CopyMarks, ParseResult, RuleError, RuleScope } from "../core/types.js";
import { parseLabelSelector, SelectorError } from "../core/label-selector.js";
import type { Dialect, DialectContext, SourceMetadata } from "./dialect.js";
import { classifyPatterns, isEmptySelector, matchesPatternList, parseGoBool, parseObjectRef, quoteList, splitList, truncate } from "./input.js";
import { emptyTargets, pullRule, pushRule, ruleError, sourceOrigin, sourceParser, stateError } from "./rule-building.js";

const DIALECT = "replicator";
const PREFIX = "replicator.v1.mittwald.de/";
export const REPLICATE_TO = `${PREFIX}replicate-to`;
export const REPLICATE_TO_MATCHING = `${PREFIX}replicate-to-matching`;
export const REPLICATE_FROM = `${PREFIX}replicate-from`;
export const REPLICATION_ALLOWED = `${PREFIX}replication-allowed`;
export const REPLICATION_ALLOWED_NAMESPACES = `${PREFIX}replication-allowed-namespaces`;
// The consent keys are trigger keys too: copies must not carry them (a copy grants nothing).
const TRIGGER_KEYS = [REPLICATE_TO, REPLICATE_TO_MATCHING, REPLICATE_FROM, REPLICATION_ALLOWED, REPLICATION_ALLOWED_NAMESPACES];
/** Anyone who can annotate a Secret asks for these copies (pulls only with the source's consent). */
const SCOPE: RuleScope = "tenant";
/** The annotations kubernetes-replicator writes on every copy it makes. */
export const REPLICATED_FROM_VERSION = `${PREFIX}replicated-from-version`;
export const REPLICATED_AT = `${PREFIX}replicated-at`;
const COPY_MARKS: CopyMarks = { tool: "kubernetes-replicator", keys: [REPLICATED_FROM_VERSION, REPLICATED_AT] };

function parsePull(meta: SourceMetadata, value: string, context: DialectContext): ParseResult {
  const origin = sourceOrigin(DIALECT, meta);
  const errors: RuleError[] = [];
  const ignored = [REPLICATE_TO, REPLICATE_TO_MATCHING].filter((key) => meta.annotations[key] !== undefined);
  if (ignored.length > 0) {
    errors.push(stateError(origin, "IgnoredAnnotation", `${ignored.join(" and ")} ignored: an object with ${REPLICATE_FROM} only pulls`));
  }
  const { ref, problem } = parseObjectRef(value);
  if (!ref) {
    errors.push(ruleError(origin, "InvalidAnnotation", `${REPLICATE_FROM}: ${problem}`));
    return { rules: [], errors };
  }
  if (ref.namespace === meta.namespace && ref.name === meta.name) {
    errors.push(ruleError(origin, "InvalidAnnotation", `${REPLICATE_FROM} names the object itself`));
    return { rules: [], errors };
  }
  const source = context.lookupSource(meta.kind, ref.namespace, ref.name);
  const sourceText = `${meta.kind} ${ref.namespace}/${ref.name}`;
  if (!source) {
    errors.push(stateError(origin, "SourceNotFound", `${sourceText} named by ${REPLICATE_FROM} does not exist (yet)`));
    return { rules: [], errors };
  }
  const annotations = source.annotations ?? {};
  if (parseGoBool(annotations[REPLICATION_ALLOWED]) !== true) {
    errors.push(stateError(origin, "ReplicationNotAllowed", `${sourceText} does not allow replication (${REPLICATION_ALLOWED} is not "true")`));
    return { rules: [], errors };
  }
  const allowed = annotations[REPLICATION_ALLOWED_NAMESPACES];
  if (allowed === undefined) {
    errors.push(stateError(origin, "ReplicationNotAllowed", `${sourceText} does not allow replication (${REPLICATION_ALLOWED_NAMESPACES} is missing)`));
    return { rules: [], errors };
  }
  if (!matchesPatternList(classifyPatterns(splitList(allowed, ",")), meta.namespace)) {
    errors.push(stateError(origin, "ReplicationNotAllowed", `${sourceText} does not allow replication into namespace ${meta.namespace} (${REPLICATION_ALLOWED_NAMESPACES})`));
    return { rules: [], errors };
  }
  return { rules: [pullRule({ dialect: DIALECT, target: meta, source: ref, idSuffix: ["pull"] })], errors };
}

function parsePush(meta: SourceMetadata): ParseResult {
  const origin = sourceOrigin(DIALECT, meta);
  const errors: RuleError[] = [];
  const to = meta.annotations[REPLICATE_TO];
  const matching = meta.annotations[REPLICATE_TO_MATCHING];
  if (to === undefined && matching === undefined) return { rules: [], errors };
  const targets = emptyTargets();
  if (to !== undefined) {
    const patterns = classifyPatterns(splitList(to, ","));
    targets.namespaces = patterns.names;
    if (patterns.regexes.length > 0) targets.namespaceRegexes = patterns.regexes;
    if (patterns.invalid.length > 0) {
      errors.push(ruleError(origin, "InvalidPattern", `${REPLICATE_TO} has invalid regular expressions ${quoteList(patterns.invalid.map((entry) => entry.item))}; they are ignored`));
    }
  }
  if (matching !== undefined) {
    try {
      const selector = parseLabelSelector(matching.trim());
      // labels.Parse("") selects everything, and so does the replicator with an empty selector.
      if (isEmptySelector(selector)) targets.allNamespaces = true;
      else targets.namespaceSelector = selector;
    } catch (error) {
      const problem = error instanceof SelectorError ? error.message : "cannot parse it";
      errors.push(ruleError(origin, "InvalidSelector", `${REPLICATE_TO_MATCHING} ${JSON.stringify(truncate(matching, 120))}: ${problem}`));
      if (to === undefined) return { rules: [], errors };
    }
  }
  return { rules: [pushRule({ dialect: DIALECT, meta, scope: SCOPE, targets, idSuffix: ["push"] })], errors };
}

export const replicatorDialect: Dialect = {
  name: DIALECT,
  triggerKeys: TRIGGER_KEYS,
  scopes: { source: SCOPE },
  copyMarks: COPY_MARKS,
  fromSource: sourceParser(DIALECT, TRIGGER_KEYS, (meta, context) => {
    const from = meta.annotations[REPLICATE_FROM];
    return from !== undefined ? parsePull(meta, from, context) : parsePush(meta);
  }),
};
