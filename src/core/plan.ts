// plan(rules, namespaces, sources, observed, policy) -> actions and per-rule reports.
// Pure and deterministic: the whole engine's behaviour is decided here.
import { copyName, desiredCopy, desiredKey, ruleLabel, withTakeoverMark } from "./desired-copy.js";
import { ownCopyTest } from "./cluster-identity.js";
import { HeldCount, HeldOrigins } from "./held-copies.js";
import { MANAGED_BY_LABEL, PULL_LABEL, RULE_ID_ANNOTATION, RULE_LABEL, SOURCE_CLUSTER_LABEL, TAKEN_OVER_ANNOTATION, isFerryCopy } from "./marks.js";
import { countTarget, type Tallies } from "./report-ledger.js";
import { originId } from "./rule-id.js";
import { selectTargets } from "./target-selection.js";
import { decideTakeover } from "./takeover.js";
import type {
  Action,
  CopyMarks,
  DesiredCopy,
  InlineContent,
  NamespaceInfo,
  ObservedObject,
  PlanResult,
  Policy,
  Rule,
  RuleOrigin,
  RuleReport,
  SourceKind,
  SourceObject,
  TargetOutcome,
  Takeover,
} from "./types.js";

/** A source is `unknown` until its content has been read; rules with unknown sources hold their copies. */
export type SourceState = SourceObject | "missing" | "unknown";

export interface PlanInput {
  rules: readonly Rule[];
  namespaces: ReadonlyMap<string, NamespaceInfo>;
  /** Keyed by objectKey(kind, namespace, name). */
  sources: ReadonlyMap<string, SourceState>;
  /** Every Secret/ConfigMap that may sit at a target: Ferry copies (with contentHash) and others. */
  observed: ObservedLookup;
  /** Ferry's copies among the observed objects (default: all observed), the candidates for pruning. */
  managed?: Iterable<ObservedObject>;
  policy: Policy;
  /** Trigger keys of all dialects: stripped from copies so they never look like sources. */
  triggerKeys: readonly string[];
  /** The copy marks of every known dialect's original tool, by dialect name (see CopyMarks). */
  copyMarks: ReadonlyMap<string, CopyMarks>;
  /**
   * Data keys of unmanaged objects read in full because a takeover proof needs them (see
   * PlanResult.dataKeysWanted), with the resourceVersion they were read at. Without it, such
   * proofs fail (the member workers of a hub read none).
   */
  dataKeys?: ReadonlyMap<string, { resourceVersion?: string; keys: readonly string[] }>;
  /** Last write failure per target key, reported as Failed outcomes. */
  failures?: ReadonlyMap<string, { reason: string; message: string }>;
  /** Objects that cannot be read: the copies of their rules that no rule claims are held (core/held-copies.ts). */
  held?: readonly RuleOrigin[];
  /** Also say what each namespace contributed to each report (PlanResult.tallies, for core/report-ledger.ts). */
  tally?: boolean;
}

export interface ObservedLookup {
  get(key: string): ObservedObject | undefined;
  values(): Iterable<ObservedObject>;
}

export function objectKey(kind: SourceKind, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

const observedKeys = new WeakMap<ObservedObject, string>();

/** objectKey() of an observed record, memoised per record (stores keep records across passes). */
function observedKey(observed: ObservedObject): string {
  let key = observedKeys.get(observed);
  if (key === undefined) observedKeys.set(observed, (key = objectKey(observed.kind, observed.namespace, observed.name)));
  return key;
}

export { effectiveConflictPolicy } from "./takeover.js";

const strippedKeyLists = new WeakMap<readonly string[], WeakMap<ReadonlyMap<string, CopyMarks>, readonly string[]>>();

/**
 * What copies never inherit from their source: every dialect's trigger keys (a copy must not look
 * like a source) and every tool's copy marks (a source that a tool marked, as config-syncer marks
 * its sources, must not hand the marks on). One stable array per pair, so copies stay memoised.
 */
function strippedKeys(triggerKeys: readonly string[], copyMarks: ReadonlyMap<string, CopyMarks>): readonly string[] {
  let byMarks = strippedKeyLists.get(triggerKeys);
  if (!byMarks) strippedKeyLists.set(triggerKeys, (byMarks = new WeakMap()));
  let keys = byMarks.get(copyMarks);
  if (!keys) {
    const all = new Set(triggerKeys);
    for (const marks of copyMarks.values()) for (const key of marks.keys) all.add(key);
    byMarks.set(copyMarks, (keys = [...all].sort()));
  }
  return keys;
}

const refusedSecretTypes = new Set(["kubernetes.io/service-account-token"]);

function sourceProblem(rule: Rule, source: SourceObject, policy: Policy, isOurs: (labels: Record<string, string>) => boolean): { reason: string; message: string } | undefined {
  if (isOurs(source.labels)) {
    return { reason: "SourceIsCopy", message: `${rule.source.kind} ${source.namespace}/${source.name} is a Ferry copy; copies are never sources` };
  }
  if (source.type && refusedSecretTypes.has(source.type)) {
    return { reason: "UnsupportedSecretType", message: `Secrets of type ${source.type} are bound to their namespace and are never copied` };
  }
  return undefined;
}

interface Claim {
  rule: Rule;
  desired: DesiredCopy;
  report: RuleReport;
  /** The source as read (absent for inline content). */
  source?: SourceObject;
}

function byAge(a: Rule, b: Rule): number {
  const ta = a.createdAt ?? "";
  const tb = b.createdAt ?? "";
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function plan(input: PlanInput): PlanResult {
  const { policy } = input;
  const isOurs = ownCopyTest(policy);
  const rules = [...input.rules].sort(byAge);
  const claims = new Map<string, Claim[]>();
  const reports: RuleReport[] = [];
  const stripped = strippedKeys(input.triggerKeys, input.copyMarks);
  /** Rules whose copies must be left alone this round (source not read yet). */
  const holding = new Set<string>();
  /** Each live rule with its report, by rule label (the prune loop looks rules up per copy). */
  const liveRules = new Map<string, { rule: Rule; report: RuleReport }>();
  const held = new HeldOrigins(input.held ?? []);
  const heldCount = new HeldCount();
  const tallies: Tallies | undefined = input.tally ? new Map() : undefined;

  for (const rule of rules) {
    const report: RuleReport = { rule, desired: 0, synced: 0, conflicts: 0, failed: 0, takenOver: 0, outcomes: [] };
    reports.push(report);
    liveRules.set(ruleLabel(rule), { rule, report });
    let content: InlineContent | undefined = rule.source.inline;
    let source: SourceObject | undefined;
    if (!content) {
      const state = input.sources.get(objectKey(rule.source.kind, rule.source.namespace, rule.source.name)) ?? "unknown";
      if (state === "unknown") {
        holding.add(ruleLabel(rule));
        report.problem = { reason: "SourcePending", message: "reading the source" };
        continue;
      }
      if (state === "missing") {
        report.problem = {
          reason: "SourceNotFound",
          message: `${rule.source.kind} ${rule.source.namespace}/${rule.source.name} does not exist`,
        };
        continue;
      }
      const problem = sourceProblem(rule, state, policy, isOurs);
      if (problem) {
        report.problem = problem;
        continue;
      }
      content = source = state;
    }
    const name = copyName(rule);
    const selection = selectTargets(rule, input.namespaces, policy, name);
    report.outcomes.push(...selection.outcomes);
    for (const namespace of selection.namespaces) {
      if (namespace === rule.source.namespace && name === rule.source.name && !rule.source.inline) continue;
      const pullTarget = rule.pull ? input.observed.get(objectKey(rule.source.kind, namespace, name)) : undefined;
      if (rule.pull && !pullTarget) {
        report.outcomes.push({ namespace, name, state: "Pending", reason: "PullTargetNotFound", message: "the object that asked for the data does not exist" });
        continue;
      }
      const desired = desiredCopy(rule, content, namespace, policy.clusterName, stripped, pullTarget);
      const key = desiredKey(desired);
      countTarget(report, namespace, "desired", tallies);
      const claim: Claim = { rule, desired, report, source };
      const list = claims.get(key);
      if (list) list.push(claim);
      else claims.set(key, [claim]);
    }
  }

  const actions: Action[] = [];
  const dataKeysWanted: string[] = [];
  const won = new Set<string>();
  const setOutcome = (claim: Claim, state: TargetOutcome["state"], reason: string, message: string) => {
    claim.report.outcomes.push({ namespace: claim.desired.namespace, name: claim.desired.name, state, reason, message });
    if (state === "Conflict") countTarget(claim.report, claim.desired.namespace, "conflicts", tallies);
  };

  for (const [key, list] of claims) {
    const observed = input.observed.get(key);
    const ours = observed !== undefined && isOurs(observed.labels);
    const ownerLabel = ours ? observed.labels[RULE_LABEL] : undefined;
    // The current owner keeps a contested target; otherwise the oldest rule wins. No flip-flop.
    const winner = list.find((claim) => ruleLabel(claim.rule) === ownerLabel) ?? list[0]!;
    for (const claim of list) {
      if (claim !== winner) {
        setOutcome(claim, "Conflict", "TargetClaimedByAnotherRule", `${key} is already distributed by rule ${winner.rule.id}`);
      }
    }
    const { rule } = winner;
    let desired = winner.desired;
    // A copy of an object that cannot be read stays as it is; no other rule takes it over meanwhile.
    const holder = observed && ours && ownerLabel !== ruleLabel(rule) ? held.holderOf(observed) : undefined;
    if (holder) {
      setOutcome(winner, "Conflict", "TargetClaimedByAnotherRule", `${key} is a copy made by rule ${observed?.annotations[RULE_ID_ANNOTATION] ?? "?"}, held while ${originId(holder)} cannot be read`);
      continue;
    }
    const failure = input.failures?.get(key);
    if (!observed) {
      won.add(key);
      actions.push({ type: "create", key, ruleId: rule.id, desired });
    } else if (ours) {
      won.add(key);
      // A copy taken over from another tool keeps saying so (and is counted) for as long as it lives.
      const tookOverFrom = observed.annotations[TAKEN_OVER_ANNOTATION];
      if (tookOverFrom !== undefined) {
        desired = withTakeoverMark(desired, tookOverFrom);
        countTarget(winner.report, desired.namespace, "takenOver", tallies);
      }
      if (observed.contentHash === desired.contentHash && observed.labels[RULE_LABEL] === ruleLabel(rule)) {
        countTarget(winner.report, desired.namespace, "synced", tallies);
        continue;
      }
      const mustReplace = observed.immutable === true || desired.immutable === true;
      actions.push({ type: mustReplace ? "replace" : "update", key, ruleId: rule.id, desired, resourceVersion: observed.resourceVersion });
    } else if (isFerryCopy(observed.labels)) {
      setOutcome(winner, "Conflict", "ManagedByAnotherCluster", `${key} is a copy from cluster ${observed.labels[SOURCE_CLUSTER_LABEL] ?? "?"}`);
      continue;
    } else {
      const read = input.dataKeys?.get(key);
      const claim = {
        rule,
        source: winner.source,
        claimants: list.map((entry) => entry.rule),
        dataKeys: read && read.resourceVersion === observed.resourceVersion ? read.keys : undefined,
      };
      const decision = decideTakeover(observed, claim, policy, input.copyMarks);
      // Keys read stay wanted while the object is judged: the reader forgets what no plan wants.
      if (claim.dataKeys) dataKeysWanted.push(key);
      if (decision.take === "wait" && input.dataKeys) {
        if (!claim.dataKeys) dataKeysWanted.push(key);
        setOutcome(winner, "Pending", "ReadingTarget", `${key} carries a tool's copy marks; reading it to check them`);
        continue;
      }
      if (decision.take === "wait" || decision.take === "refuse") {
        const why = decision.take === "refuse" ? decision.why : "its data keys cannot be read here";
        setOutcome(winner, "Conflict", "UnmanagedObjectExists", `${key} exists and is not managed by Ferry; left untouched (${why})`);
        continue;
      }
      won.add(key);
      const mustReplace = observed.immutable === true || desired.immutable === true;
      const type = mustReplace ? "replace" : "update";
      if (decision.take === "takeover") {
        desired = withTakeoverMark(desired, decision.takeover.tool);
        countTarget(winner.report, desired.namespace, "takenOver", tallies);
        actions.push({ type, key, ruleId: rule.id, desired, resourceVersion: observed.resourceVersion, takeover: decision.takeover });
        setOutcome(winner, failure ? "Failed" : "Pending", failure?.reason ?? "TakingOver", failure?.message ?? takeoverMessage(key, decision.takeover));
        if (failure) countTarget(winner.report, desired.namespace, "failed", tallies);
        continue;
      }
      actions.push({ type, key, ruleId: rule.id, desired, resourceVersion: observed.resourceVersion });
    }
    if (failure) {
      countTarget(winner.report, desired.namespace, "failed", tallies);
      setOutcome(winner, "Failed", failure.reason, failure.message);
    } else {
      setOutcome(winner, "Pending", "Syncing", "write queued");
    }
  }

  // Prune: every copy of ours that no live claim won. Found by label, never by memory.
  for (const observed of input.managed ?? input.observed.values()) {
    const key = observedKey(observed);
    if (won.has(key) || observed.labels[MANAGED_BY_LABEL] === undefined) continue;
    if (!isOurs(observed.labels)) continue;
    const holder = held.holderOf(observed);
    if (holder) {
      heldCount.add(holder);
      continue;
    }
    if (observed.labels[PULL_LABEL] === "true") continue;
    const owner = observed.labels[RULE_LABEL]!;
    if (holding.has(owner)) continue;
    const live = liveRules.get(owner);
    const rule = live?.rule;
    if (rule && !rule.prune && !live.report.problem) continue;
    if (input.namespaces.get(observed.namespace)?.terminating) continue;
    actions.push({
      type: "delete",
      key,
      ruleId: rule?.id,
      kind: observed.kind,
      namespace: observed.namespace,
      name: observed.name,
      resourceVersion: observed.resourceVersion,
      uid: observed.uid,
      reason: rule ? "NoLongerSelected" : "RuleOrSourceGone",
    });
  }

  for (const report of reports) report.outcomes.sort((a, b) => (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0));
  const heldCopies = heldCount.result();
  const result: PlanResult = heldCopies ? { actions, reports, dataKeysWanted, held: heldCopies } : { actions, reports, dataKeysWanted };
  if (tallies) result.tallies = tallies;
  return result;
}

function takeoverMessage(key: string, takeover: Takeover): string {
  return takeover.evidence === "marks"
    ? `taking over ${key}: ${takeover.tool}'s marks show it is that tool's copy of this source`
    : `taking over ${key}: ${takeover.tool} leaves no marks; taken over with consent (--take-over-unmarked)`;
}
