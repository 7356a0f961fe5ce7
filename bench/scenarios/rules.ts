// The steady state of the idle, restart and new-namespace scenarios: R rules (sources) selecting
// the same namespaces, with a share of their targets taken by objects the operator does not own
// (Ferry reports those as conflicts and leaves them; the peers write over them).
import { b64, parallel, seconds } from "../measure/numbers.js";
import { tokenOf, waitCopies, writeSource, type Context } from "./context.js";

export const ruleName = (index: number) => `rule-${String(index).padStart(2, "0")}`;

export interface RulesResult {
  rules: number;
  namespaces: number;
  /** Targets of every rule selecting the group (before conflicts). */
  targets: number;
  /** Unmanaged objects at target names (targets in conflict). */
  conflicts: number;
  complete: boolean;
  seconds: number;
}

/**
 * Spreads `conflicts` unmanaged objects over rules 1.. (rule 0 is the fan-out and update source,
 * timed without conflicts), the same count per rule, each in different namespaces.
 */
export function conflictPlan(namespaces: readonly string[], rules: number, conflicts: number): Map<string, string[]> {
  const plan = new Map<string, string[]>();
  if (rules < 2 || conflicts <= 0) return plan;
  const perRule = Math.min(namespaces.length, Math.ceil(conflicts / (rules - 1)));
  let left = conflicts;
  for (let r = 1; r < rules && left > 0; r++) {
    const count = Math.min(perRule, left);
    const offset = (r * 97) % namespaces.length;
    plan.set(ruleName(r), Array.from({ length: count }, (_, i) => namespaces[(offset + i) % namespaces.length]!));
    left -= count;
  }
  return plan;
}

/** Creates the unmanaged objects, then sources rule-01.. selecting `group`; waits until every rule's copies are present. */
export async function setUpRules(ctx: Context, group: string, namespaces: readonly string[], conflicts: Map<string, string[]>): Promise<RulesResult> {
  const { rules } = ctx.options;
  const unmanaged = [...conflicts].flatMap(([name, list]) => list.map((namespace) => ({ name, namespace })));
  await parallel(unmanaged, ctx.options.concurrency, ({ name, namespace }) =>
    ctx.client.request("POST", `/api/v1/namespaces/${namespace}/secrets`, { body: { metadata: { name, labels: { owner: "someone-else" } }, data: { token: b64("not a copy") } } }),
  );
  const names = Array.from({ length: rules - 1 }, (_, i) => ruleName(i + 1));
  for (const name of names) await ctx.watch.track(name);
  ctx.log(`${names.length} more rules x${namespaces.length} (${unmanaged.length} targets taken by unmanaged objects)`);
  const started = Date.now();
  await parallel(names, ctx.options.concurrency, (name) => writeSource(ctx, name, group));
  let complete = true;
  for (const name of names) {
    const expected = namespaces.length - (ctx.operator.overwritesUnmanaged ? 0 : (conflicts.get(name)?.length ?? 0));
    complete = (await waitCopies(ctx, name, 1, expected, started)).complete && complete;
  }
  return { rules, namespaces: namespaces.length, targets: rules * namespaces.length, conflicts: unmanaged.length, complete, seconds: seconds(Date.now() - started) };
}

/** Source name -> the value its copies hold now (rule-00 was updated once). */
/** The value each rule's source holds now; rule 0's source is at `firstGeneration` (the update scenario moves it on). */
export function currentValues(rules: number, firstGeneration: number): Map<string, string> {
  return new Map(Array.from({ length: rules }, (_, i) => [ruleName(i), tokenOf(ruleName(i), i === 0 ? firstGeneration : 1)]));
}
