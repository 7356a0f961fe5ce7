// The side-by-side suite: one operator on its own fresh control plane, every scenario in order,
// the same sizes and measuring code for each operator.
//   small cluster: first start, copies in a few namespaces, restart to ready
//   fan-out to N, update of N copies, fan-out to W (each after its raw limit)
//   R rules over N namespaces with a share of targets in conflict; new namespaces one by one
//   idle window; restart in sync; namespace storms (churn, then all selected)
import { names, seconds } from "../measure/numbers.js";
import type { Operator } from "../operators/operator.js";
import type { BenchOptions } from "../options.js";
import { GROUP, createNamespaces, settle, settleControllerManager, waitCopies, writeSource } from "../scenarios/context.js";
import { fanOut, updateCopies, type CopiesResult } from "../scenarios/fan-out.js";
import { idleWindow } from "../scenarios/idle.js";
import { namespaceStorm } from "../scenarios/namespace-storm.js";
import { newNamespaceLatency } from "../scenarios/new-namespace.js";
import { profiled } from "../scenarios/profiled.js";
import { restartInSync } from "../scenarios/restart.js";
import { conflictPlan, currentValues, ruleName, setUpRules } from "../scenarios/rules.js";
import { withPlane } from "./plane.js";

export async function sideBySide(operator: Operator, options: BenchOptions, log: (message: string) => void): Promise<Record<string, unknown>> {
  const results: Record<string, unknown> = {};
  await withPlane("main", operator, options, log, async (ctx) => {
    const { namespaces: n, wideNamespaces: w, rules: r, newNamespaces: fresh } = options;
    const wanted = (scenario: string) => options.scenarios.includes("all") || options.scenarios.includes(scenario);

    // A small cluster: first start (CRDs and all), one rule over a few namespaces, restart.
    const small = names("small", 0, options.smallNamespaces);
    await createNamespaces(ctx, small, { [GROUP]: "small" });
    await settleControllerManager(ctx);
    const first = await ctx.start();
    await ctx.watch.track("small");
    const t = Date.now();
    await writeSource(ctx, "small", "small");
    const smallCopies = await waitCopies(ctx, "small", 1, small.length, t);
    if (wanted("small")) {
      const smallRestart = await restartInSync(ctx, small.length, "smallRestart");
      results.smallCluster = { namespaces: small.length, firstStartSecondsToReady: seconds(first.readyMs), copiesSeconds: smallCopies.seconds, restart: smallRestart };
    }

    const bench = names("bench", 0, n);
    const wide = names("wide", 0, w);
    ctx.log(`creating ${n + w} namespaces`);
    await createNamespaces(ctx, bench, { [GROUP]: "fan" });
    await createNamespaces(ctx, wide, { [GROUP]: "wide" });
    await settleControllerManager(ctx);
    await settle(ctx, 3000);

    results.fanout = await profiled(ctx, "fanout", () => fanOut(ctx, ruleName(0), "fan", bench));
    if (wanted("update")) results.update = await profiled(ctx, "update", () => updateCopies(ctx, ruleName(0), bench));
    if (w > 0 && wanted("fanoutWide")) results.fanoutWide = await profiled(ctx, "fanoutWide", () => fanOut(ctx, "wide", "wide", wide));

    if (!["rules", "newNamespace", "idle", "restart", "storm"].some(wanted)) return;
    const targets = (n + fresh) * r + w + small.length;
    const conflicts = conflictPlan(bench, r, Math.round(options.conflictShare * targets));
    const rules = await profiled(ctx, "rules", () => setUpRules(ctx, "fan", bench, conflicts));
    results.rules = rules;
    const update = results.update as CopiesResult | undefined;
    const expected = currentValues(r, update ? 1 + (update.trials?.length ?? 1) : 1);
    if (wanted("newNamespace")) results.newNamespace = await profiled(ctx, "newNamespace", () => newNamespaceLatency(ctx, "bench-new", "fan", fresh, expected));

    const copies = targets - (operator.overwritesUnmanaged ? 0 : rules.conflicts);
    if (wanted("idle")) results.idle = await profiled(ctx, "idle", () => idleWindow(ctx, { targets, copies, conflicts: rules.conflicts }));
    if (wanted("restart")) results.restart = await restartInSync(ctx, copies);
    if (!wanted("storm")) return;
    results.stormChurn = await profiled(ctx, "stormChurn", () => namespaceStorm(ctx, "churn", "fan", expected, 60_000));
    results.stormSelected = await profiled(ctx, "stormSelected", () => namespaceStorm(ctx, "selected", "fan", expected, 120_000));
  }).catch((error: Error) => {
    results.error = error.stack ?? error.message;
    log(`${operator.name}: suite failed: ${error.message}`);
  });
  return results;
}
