// plan(rules, namespaces, sources, observed, policy) -> actions and per-rule reports.
// Pure and deterministic: the whole engine's behaviour is decided here.
import { copyName, desiredCopy, desiredKey, ruleLabel } from "./desired-copy.js";
import { ownCopyTest } from "./cluster-identity.js";
import { HeldCount, HeldOrigins } from "./held-copies.js";
import { carriesKey } from "./key-match.js";
import { MANAGED_BY_LABEL, PULL_LABEL, RULE_ID_ANNOTATION, RULE_LABEL, SOURCE_CLUSTER_LABEL, isFerryCopy } from "./marks.js";
import { originId } from "./rule-id.js";
import { selectTargets } from "./target-selection.js";
import type {
  Action,
  ConflictPolicy,
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
  /** Last write failure per target key, reported as Failed outcomes. */
  failures?: ReadonlyMap<string, { reason: string; message: string }>;
  /** Objects that cannot be read: the copies of their rules that no rule claims are held (core/held-copies.ts). */
  held?: readonly RuleOrigin[];
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

/** Does the object carry the copy marks of any known tool (what `adopt` may take over)? */
function isPeerCopy(object: ObservedObject, copyMarks: PlanInput["copyMarks"]): boolean {
  for (const marks of copyMarks.values()) if (carriesKey(object, marks.keys)) return true;
  return false;
}

/** adopt/overwrite only for administrators' rules unless the policy is open; pull rules were asked. */
export function effectiveConflictPolicy(rule: Rule, policy: Policy): ConflictPolicy {
  if (rule.pull) return "overwrite";
  if (rule.scope === "tenant" && policy.mode !== "open") return "skip";
  return rule.conflict;
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
  /** Rules whose copies must be left alone this round (source not read yet). */
  const holding = new Set<string>();
  /** Each live rule with its report, by rule label (the prune loop looks rules up per copy). */
  const liveRules = new Map<string, { rule: Rule; report: RuleReport }>();
  const held = new HeldOrigins(input.held ?? []);
  const heldCount = new HeldCount();

  for (const rule of rules) {
    const report: RuleReport = { rule, desired: 0, synced: 0, conflicts: 0, failed: 0, outcomes: [] };
    reports.push(report);
    liveRules.set(ruleLabel(rule), { rule, report });
    let content: InlineContent | undefined = rule.source.inline;
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
      content = state;
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
      const desired = desiredCopy(rule, content, namespace, policy.clusterName, input.triggerKeys, pullTarget);
      const key = desiredKey(desired);
      report.desired++;
      const list = claims.get(key);
      if (list) list.push({ rule, desired, report });
      else claims.set(key, [{ rule, desired, report }]);
    }
  }

  const actions: Action[] = [];
  const won = new Set<string>();
  const setOutcome = (claim: Claim, state: TargetOutcome["state"], reason: string, message: string) => {
    claim.report.outcomes.push({ namespace: claim.desired.namespace, name: claim.desired.name, state, reason, message });
    if (state === "Conflict") claim.report.conflicts++;
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
    const { rule, desired } = winner;
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
      if (observed.contentHash === desired.contentHash && observed.labels[RULE_LABEL] === ruleLabel(rule)) {
        winner.report.synced++;
        continue;
      }
      const mustReplace = observed.immutable === true || desired.immutable === true;
      actions.push({ type: mustReplace ? "replace" : "update", key, ruleId: rule.id, desired, resourceVersion: observed.resourceVersion });
    } else if (isFerryCopy(observed.labels)) {
      setOutcome(winner, "Conflict", "ManagedByAnotherCluster", `${key} is a copy from cluster ${observed.labels[SOURCE_CLUSTER_LABEL] ?? "?"}`);
      continue;
    } else {
      const conflict = effectiveConflictPolicy(rule, policy);
      if (conflict === "overwrite" || (conflict === "adopt" && isPeerCopy(observed, input.copyMarks))) {
        won.add(key);
        const mustReplace = observed.immutable === true || desired.immutable === true;
        actions.push({ type: mustReplace ? "replace" : "update", key, ruleId: rule.id, desired, resourceVersion: observed.resourceVersion });
      } else {
        const why =
          conflict === "adopt"
            ? "adopt takes over only copies made by a known peer tool"
            : rule.conflict !== "skip"
              ? `policy ${policy.mode} allows ${rule.conflict} only for administrator rules`
              : "set conflict: adopt or overwrite to take it over";
        setOutcome(winner, "Conflict", "UnmanagedObjectExists", `${key} exists and is not managed by Ferry; left untouched (${why})`);
        continue;
      }
    }
    if (failure) {
      winner.report.failed++;
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
  return heldCopies ? { actions, reports, held: heldCopies } : { actions, reports };
}

/**
 * The part of the plan that concerns some namespaces only: what plan(input) decides for targets
 * in `only`, at the cost of those namespaces rather than of every rule x namespace. Every target
 * key is decided on its own (the rules that claim it, what is observed there, the rule set), so
 * restricting the namespaces and the pruning candidates to `only` yields exactly the full plan's
 * actions in those namespaces. Reports are partial and must not be published.
 */
export function planNamespaces(input: PlanInput, only: ReadonlySet<string>): Action[] {
  const namespaces = new Map<string, NamespaceInfo>();
  for (const name of only) {
    const info = input.namespaces.get(name);
    if (info) namespaces.set(name, info);
  }
  const managed: ObservedObject[] = [];
  for (const observed of input.managed ?? input.observed.values()) if (only.has(observed.namespace)) managed.push(observed);
  return plan({ ...input, namespaces, managed }).actions;
}
