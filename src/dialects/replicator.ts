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
import { isCopy, namesTheSource, notCopy } from "./copy-marks.js";
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
export const REPLICATED_KEYS = `${PREFIX}replicated-keys`;
const REPLICATED_MARKS = [REPLICATED_AT, REPLICATED_FROM_VERSION, REPLICATED_KEYS];

/**
 * kubernetes-replicator annotates every copy `replicated-at`, `replicated-from-version` (the
 * source's resourceVersion) and `replicated-keys` (the keys it copied, sorted, comma-joined); push
 * copies keep the source's name and record nothing else of it (mittwald/kubernetes-replicator
 * v2.12.4 replicate/common/consts.go, replicate/secret/secrets.go and
 * replicate/configmap/configmaps.go `ReplicateObjectTo`; validated on the binary,
 * /work/notes/peer-copies). It also merges into unrelated objects of the source's name, which then
 * carry the marks too; so a push copy is taken over only when its data holds exactly the keys the
 * replicator wrote (the object is read for them), and either it was written from this very source
 * version or no other source of that name replicates into the namespace. A pull target names its
 * source in the user's `replicate-from`.
 */
const COPY_MARKS: CopyMarks = {
  tool: "kubernetes-replicator",
  keys: REPLICATED_MARKS,
  sourceOf: ({ namespace, annotations }) => parseObjectRef(annotations[REPLICATE_FROM] ?? "", namespace).ref,
  proves(object, claim) {
    const missing = REPLICATED_MARKS.filter((key) => object.annotations[key] === undefined);
    if (missing.length > 0) return notCopy(`${missing.join(" and ")} is missing (the replicator writes all three on its copies)`);
    const from = object.annotations[REPLICATE_FROM];
    if (from !== undefined) {
      const ref = parseObjectRef(from, object.namespace).ref;
      const source = claim.source;
      return source && ref?.namespace === source.namespace && ref.name === source.name ? isCopy : notCopy(`it pulls from ${from} (${REPLICATE_FROM})`);
    }
    const named = claim.source ? { namespace: claim.source.namespace, name: claim.source.name } : undefined;
    const verdict = namesTheSource(object, claim, named);
    if (verdict.copy !== true) return verdict;
    if (!claim.dataKeys) return { copy: "needs-data-keys" };
    if (splitList(object.annotations[REPLICATED_KEYS]!, ",").sort().join(",") !== claim.dataKeys.join(",")) {
      return notCopy(`it holds other keys than the ${REPLICATED_KEYS} it lists (the replicator merges into objects it did not create)`);
    }
    if (object.annotations[REPLICATED_FROM_VERSION] === claim.source!.resourceVersion) return isCopy;
    const sources = new Set(
      claim.claimants.filter((rule) => rule === claim.rule || (rule.origin.dialect === DIALECT && !rule.pull)).map((rule) => `${rule.source.namespace}/${rule.source.name}`),
    );
    if (sources.size > 1) return notCopy("several sources of that name replicate into this namespace, and the replicator's copies do not say which one they came from");
    return isCopy;
  },
};

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
