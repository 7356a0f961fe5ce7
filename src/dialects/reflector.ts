// emberstack Reflector, for Secrets and ConfigMaps.
// Consent on the source: `reflection-allowed: "true"` and `reflection-allowed-namespaces`
// (names or regular expressions matching the whole namespace name; absent or empty = all
// namespaces) and/or, in newer Reflector, `reflection-allowed-namespaces-selector`.
// Push ("automatic mirrors"): `reflection-auto-enabled: "true"` creates same-named copies in
// allowed-namespaces ∩ auto-namespaces (`reflection-auto-namespaces`, absent or empty = all;
// `reflection-auto-namespaces-selector` in newer Reflector), skipping objects that already exist.
// Pull: `reflects: "<namespace>/<name>"` (or just "<name>": same namespace) on a mirror keeps its
// data equal to the source's, when the source's consent covers the mirror's namespace.
import type { CopyMarks, LabelSelector, ParseResult, Rule, RuleError, RuleOrigin, RuleScope, TargetSelection } from "../core/types.js";
import { parseLabelSelector, SelectorError } from "../core/label-selector.js";
import type { Dialect, DialectContext, SourceMetadata } from "./dialect.js";
import { classifyPatterns, isEmptySelector, matchesPatternList, parseDotNetBool, parseObjectRef, type PatternList, quoteList, splitList, truncate } from "./input.js";
import { emptyTargets, pullRule, pushRule, ruleError, sourceOrigin, sourceParser, stateError } from "./rule-building.js";

const DIALECT = "reflector";
const PREFIX = "reflector.v1.k8s.emberstack.com/";
export const REFLECTION_ALLOWED = `${PREFIX}reflection-allowed`;
export const REFLECTION_ALLOWED_NAMESPACES = `${PREFIX}reflection-allowed-namespaces`;
export const REFLECTION_ALLOWED_NAMESPACES_SELECTOR = `${PREFIX}reflection-allowed-namespaces-selector`;
export const REFLECTION_AUTO_ENABLED = `${PREFIX}reflection-auto-enabled`;
export const REFLECTION_AUTO_NAMESPACES = `${PREFIX}reflection-auto-namespaces`;
export const REFLECTION_AUTO_NAMESPACES_SELECTOR = `${PREFIX}reflection-auto-namespaces-selector`;
export const REFLECTS = `${PREFIX}reflects`;
/** Set by Reflector itself on the mirrors it created automatically. */
export const AUTO_REFLECTS = `${PREFIX}auto-reflects`;
const TRIGGER_KEYS = [
  REFLECTION_ALLOWED,
  REFLECTION_ALLOWED_NAMESPACES,
  REFLECTION_ALLOWED_NAMESPACES_SELECTOR,
  REFLECTION_AUTO_ENABLED,
  REFLECTION_AUTO_NAMESPACES,
  REFLECTION_AUTO_NAMESPACES_SELECTOR,
  REFLECTS,
];
/** Anyone who can annotate a Secret asks for these copies (and mirrors pull only with the source's consent). */
const SCOPE: RuleScope = "tenant";
/** Reflector's mirrors name their source in the reflects annotation ("namespace/name", or "name": same namespace). */
const COPY_MARKS: CopyMarks = {
  tool: "Reflector",
  keys: [REFLECTS],
  sourceOf: ({ namespace, annotations }) => parseObjectRef(annotations[REFLECTS] ?? "", namespace).ref,
};

/** A namespace set as Reflector describes it: names/regexes OR a label selector; neither = all. */
interface NamespaceSet {
  all: boolean;
  patterns: PatternList;
  /** Absent when not given, and when malformed (Reflector then matches nothing by label). */
  selector?: LabelSelector;
}

function readNamespaceSet(
  annotations: Record<string, string>,
  listKey: string,
  selectorKey: string,
  origin: RuleOrigin,
  errors: RuleError[],
): NamespaceSet {
  const patterns = classifyPatterns(splitList(annotations[listKey] ?? "", ","));
  if (patterns.invalid.length > 0) {
    errors.push(ruleError(origin, "InvalidPattern", `${listKey} has invalid regular expressions ${quoteList(patterns.invalid.map((entry) => entry.item))}; they are ignored`));
  }
  const set: NamespaceSet = { all: false, patterns };
  const selectorText = (annotations[selectorKey] ?? "").trim();
  if (selectorText !== "") {
    try {
      const parsed = parseLabelSelector(selectorText);
      if (!isEmptySelector(parsed)) set.selector = parsed;
    } catch (error) {
      const problem = error instanceof SelectorError ? error.message : "cannot parse it";
      errors.push(ruleError(origin, "InvalidSelector", `${selectorKey} ${JSON.stringify(truncate(selectorText, 120))}: ${problem}; it matches no namespace`));
    }
  }
  // Reflector: a missing or empty ("") list allows all; a list of only blanks allows none.
  set.all = (annotations[listKey] ?? "") === "" && selectorText === "";
  return set;
}

function setTargets(set: NamespaceSet): TargetSelection {
  const targets = emptyTargets();
  if (set.all) {
    targets.allNamespaces = true;
    return targets;
  }
  targets.namespaces = [...set.patterns.names];
  if (set.patterns.regexes.length > 0) targets.namespaceRegexes = [...set.patterns.regexes];
  if (set.selector) targets.namespaceSelector = set.selector;
  return targets;
}

/** A regular expression matching exactly the names NOT covered by the pattern list. */
function notInPatternList(patterns: PatternList): string {
  const alternatives = [...patterns.names.map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")), ...patterns.regexes.map((r) => `(?:${r})`)];
  if (alternatives.length === 0) return ".*";
  return `(?!(?:${alternatives.join("|")})$).*`;
}

function parsePush(meta: SourceMetadata, errors: RuleError[]): Rule | undefined {
  const origin = sourceOrigin(DIALECT, meta);
  const annotations = meta.annotations;
  const autoEnabled = parseDotNetBool(annotations[REFLECTION_AUTO_ENABLED]) === true;
  if (!autoEnabled) return undefined;
  if (parseDotNetBool(annotations[REFLECTION_ALLOWED]) !== true) {
    errors.push(stateError(origin, "InvalidAnnotation", `${REFLECTION_AUTO_ENABLED} needs ${REFLECTION_ALLOWED}: "true" (mirrors must be allowed to reflect the source); no automatic copies`));
    return undefined;
  }
  const allowed = readNamespaceSet(annotations, REFLECTION_ALLOWED_NAMESPACES, REFLECTION_ALLOWED_NAMESPACES_SELECTOR, origin, errors);
  const auto = readNamespaceSet(annotations, REFLECTION_AUTO_NAMESPACES, REFLECTION_AUTO_NAMESPACES_SELECTOR, origin, errors);
  let targets: TargetSelection;
  if (allowed.all) {
    targets = setTargets(auto);
  } else if (auto.all) {
    targets = setTargets(allowed);
  } else if (allowed.selector === undefined) {
    // allowed ∩ auto, with allowed a pure name/regex list: plain auto names are filtered here;
    // everything else the auto set selects is cut down by excluding names the allowed list misses.
    targets = setTargets(auto);
    targets.namespaces = auto.patterns.names.filter((name) => matchesPatternList(allowed.patterns, name));
    if ((targets.namespaceRegexes ?? []).length > 0 || targets.namespaceSelector) {
      targets.excludeRegexes = [notInPatternList(allowed.patterns)];
    }
  } else if (auto.selector === undefined && auto.patterns.regexes.length === 0) {
    // auto is a list of plain names; the allowed selector cannot be checked without namespace
    // labels, so only names the allowed list covers by name qualify.
    targets = emptyTargets();
    targets.namespaces = auto.patterns.names.filter((name) => matchesPatternList(allowed.patterns, name));
    const unchecked = auto.patterns.names.filter((name) => !matchesPatternList(allowed.patterns, name));
    if (unchecked.length > 0) {
      errors.push(
        stateError(
          origin,
          "UnsupportedAnnotation",
          `Ferry cannot intersect ${REFLECTION_ALLOWED_NAMESPACES_SELECTOR} with ${REFLECTION_AUTO_NAMESPACES}; namespaces ${quoteList(unchecked)} get no automatic copy (list them in ${REFLECTION_ALLOWED_NAMESPACES})`,
        ),
      );
    }
  } else {
    errors.push(
      stateError(
        origin,
        "UnsupportedAnnotation",
        `Ferry cannot intersect ${REFLECTION_ALLOWED_NAMESPACES_SELECTOR} with a selector or regular expressions in the auto-namespaces; no automatic copies (list allowed namespaces by name or regex instead)`,
      ),
    );
    targets = emptyTargets();
  }
  return pushRule({ dialect: DIALECT, meta, scope: SCOPE, targets, idSuffix: ["push"] });
}

function parsePull(meta: SourceMetadata, value: string, context: DialectContext, errors: RuleError[]): Rule | undefined {
  const origin = sourceOrigin(DIALECT, meta);
  const { ref, problem } = parseObjectRef(value, meta.namespace);
  if (!ref) {
    errors.push(ruleError(origin, "InvalidAnnotation", `${REFLECTS}: ${problem}`));
    return undefined;
  }
  if (ref.namespace === meta.namespace && ref.name === meta.name) {
    errors.push(ruleError(origin, "InvalidAnnotation", `${REFLECTS} names the object itself`));
    return undefined;
  }
  const source = context.lookupSource(meta.kind, ref.namespace, ref.name);
  const sourceText = `${meta.kind} ${ref.namespace}/${ref.name}`;
  if (!source) {
    errors.push(stateError(origin, "SourceNotFound", `${sourceText} named by ${REFLECTS} does not exist (yet)`));
    return undefined;
  }
  const annotations = source.annotations ?? {};
  if (parseDotNetBool(annotations[REFLECTION_ALLOWED]) !== true) {
    errors.push(stateError(origin, "ReflectionNotAllowed", `${sourceText} does not permit reflection (${REFLECTION_ALLOWED} is not "true")`));
    return undefined;
  }
  // Problems in the source's own annotations are the source's to report, not this mirror's.
  const ignored: RuleError[] = [];
  const allowed = readNamespaceSet(annotations, REFLECTION_ALLOWED_NAMESPACES, REFLECTION_ALLOWED_NAMESPACES_SELECTOR, sourceOrigin(DIALECT, source), ignored);
  if (!allowed.all && !matchesPatternList(allowed.patterns, meta.namespace)) {
    if (allowed.selector) {
      errors.push(
        stateError(
          origin,
          "UnsupportedAnnotation",
          `${sourceText} permits reflection by namespace label (${REFLECTION_ALLOWED_NAMESPACES_SELECTOR}), which Ferry cannot check for a mirror yet; name namespace ${meta.namespace} in ${REFLECTION_ALLOWED_NAMESPACES}`,
        ),
      );
    } else {
      errors.push(stateError(origin, "ReflectionNotAllowed", `${sourceText} does not permit reflection into namespace ${meta.namespace} (${REFLECTION_ALLOWED_NAMESPACES})`));
    }
    return undefined;
  }
  return pullRule({ dialect: DIALECT, target: meta, source: ref, idSuffix: ["pull"] });
}

function parse(meta: SourceMetadata, context: DialectContext): ParseResult {
  const errors: RuleError[] = [];
  const rules: Rule[] = [];
  const reflects = meta.annotations[REFLECTS];
  if (reflects !== undefined && reflects.trim() !== "") {
    // Mirrors Reflector created by itself are its leftovers: Ferry's own push replaces them once
    // they are deleted; Ferry does not pull into them (one object, one rule).
    if (parseDotNetBool(meta.annotations[AUTO_REFLECTS]) !== true) {
      const rule = parsePull(meta, reflects, context, errors);
      if (rule) rules.push(rule);
    }
  }
  const push = parsePush(meta, errors);
  if (push) rules.push(push);
  return { rules, errors };
}

export const reflectorDialect: Dialect = {
  name: DIALECT,
  triggerKeys: TRIGGER_KEYS,
  scopes: { source: SCOPE },
  copyMarks: COPY_MARKS,
  fromSource: sourceParser(DIALECT, TRIGGER_KEYS, parse),
};
