// What a full plan pass says in Events: one Event per (object holding rules, reason), whose
// message sums up every rule of that object and every target with that reason, sorted. The same
// situation gives the same message whatever order the plan listed it in, and a rule with many
// targets in conflict gives one message, not one per target; so the recorder
// (kube/event-recorder.ts), which writes only when an object's message for a reason changes,
// writes nothing on a pass that changed nothing. Pure.
import type { RuleError, RuleReport } from "../core/types.js";
import { eventKey, type EventTarget } from "../kube/event-recorder.js";

export interface ProblemEvent {
  /** eventKey(target, reason). */
  key: string;
  target: EventTarget;
  reason: string;
  message: string;
}

/** Target states that are problems worth an Event (not Pending, not a namespace that does not exist yet). */
const eventStates = new Set(["Conflict", "Denied", "Failed"]);
/** Targets named in a message; the count says how many there are in all. */
const namedTargets = 10;
/** Distinct problem messages quoted in a message. */
const quotedMessages = 5;

interface Group {
  target: EventTarget;
  reason: string;
  messages: Set<string>;
  /** "namespace/name" -> the outcome's message (the smallest, if rules of one object disagree). */
  targets: Map<string, string>;
}

export function problemEvents(reports: readonly RuleReport[], errors: readonly RuleError[]): ProblemEvent[] {
  const groups = new Map<string, Group>();
  const group = (target: EventTarget, reason: string): Group => {
    const key = eventKey(target, reason);
    let found = groups.get(key);
    if (!found) groups.set(key, (found = { target: { apiVersion: target.apiVersion, kind: target.kind, namespace: target.namespace, name: target.name, uid: target.uid }, reason, messages: new Set(), targets: new Map() }));
    return found;
  };
  for (const error of errors) group(error.origin, error.reason).messages.add(error.message);
  for (const report of reports) {
    const origin = report.rule.origin;
    if (report.problem && report.problem.reason !== "SourcePending") group(origin, report.problem.reason).messages.add(report.problem.message);
    for (const outcome of report.outcomes) {
      if (!eventStates.has(outcome.state)) continue;
      const targets = group(origin, outcome.reason).targets;
      const at = `${outcome.namespace}/${outcome.name}`;
      const known = targets.get(at);
      if (known === undefined || outcome.message < known) targets.set(at, outcome.message);
    }
  }
  return [...groups].map(([key, { target, reason, messages, targets }]) => ({ key, target, reason, message: [messagesText(messages), targetsText(targets)].filter(Boolean).join("; ") }));
}

function messagesText(messages: Set<string>): string {
  const sorted = [...messages].sort();
  if (sorted.length <= 1) return sorted[0] ?? "";
  const more = sorted.length > quotedMessages ? `; and ${sorted.length - quotedMessages} more` : "";
  return `${sorted.length} problems: ${sorted.slice(0, quotedMessages).join("; ")}${more}`;
}

function targetsText(targets: Map<string, string>): string {
  const sorted = [...targets.keys()].sort();
  if (sorted.length === 0) return "";
  const first = `${sorted[0]}: ${targets.get(sorted[0]!)}`;
  if (sorted.length === 1) return first;
  const more = sorted.length > namedTargets ? `, and ${sorted.length - namedTargets} more` : "";
  return `${sorted.length} targets: ${sorted.slice(0, namedTargets).join(", ")}${more}. ${first}`;
}
