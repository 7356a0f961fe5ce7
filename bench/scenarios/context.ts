// What every scenario works with: one fresh control plane, a client with no rate limit of its
// own, the operator under test (its running process, restartable), the copy watch, and the
// cluster helpers (namespaces, sources, settling of the controller manager).
import type { LocalControlPlane } from "../../src/controlplane/local-control-plane.js";
import type { KubeClient } from "../../src/kube/client.js";
import { waitFor } from "../../src/util/wait-for.js";
import type { CopyWatch } from "../measure/copy-watch.js";
import { b64, parallel, seconds } from "../measure/numbers.js";
import type { Operator, RunningOperator } from "../operators/operator.js";
import type { BenchOptions } from "../options.js";

/** The label that groups a scenario's namespaces; sources select their group with it. */
export const GROUP = "bench.ferry.dev/group";
/** Where every source lives. */
export const SOURCE_NAMESPACE = "bench-source";

export interface Context {
  plane: LocalControlPlane;
  client: KubeClient;
  /** The operator under test (the memory suite starts several on one plane, in turn). */
  operator: Operator;
  options: BenchOptions;
  watch: CopyWatch;
  /** The client the observing watches use: its own connection pool, so long-running watches never hold a socket the writes need. */
  watchClient: KubeClient;
  /** The operator process now (scenarios restart it). */
  running: RunningOperator | undefined;
  /** Starts the operator (again); its state directory is the plane's. */
  start(): Promise<RunningOperator>;
  log(message: string): void;
}

/** The longest an operator may take for `copies` writes: generous for a 5-writes/s client, capped. */
export function deadlineFor(ctx: Context, copies: number): number {
  return Date.now() + Math.min(ctx.options.waitCapSeconds * 1000, Math.max(180_000, copies * 400));
}

export async function createNamespaces(ctx: Context, list: readonly string[], labels: Record<string, string>): Promise<void> {
  await parallel(list, ctx.options.concurrency, (name) => ctx.client.request("POST", "/api/v1/namespaces", { body: { metadata: { name, labels } } }));
}

/** Waits until the controller manager has written its per-namespace objects (root CA ConfigMap), so they do not mix into a measurement. */
export async function settleControllerManager(ctx: Context): Promise<void> {
  const namespaces = (await ctx.client.get<{ items: unknown[] }>("/api/v1/namespaces")).items.length;
  await waitFor(
    async () => {
      const list = await ctx.client.get<{ items: unknown[] }>("/api/v1/configmaps", { query: { fieldSelector: "metadata.name=kube-root-ca.crt" } });
      return list.items.length >= namespaces;
    },
    { timeoutMs: 1_800_000, intervalMs: 500, description: "controller manager to settle" },
  );
}

/** The value a source's `token` key holds (a copy holding it is current). */
export const tokenOf = (name: string, generation = 1) => b64(`${name}:${generation}:`.padEnd(256, "x"));

/**
 * Creates (generation 1) or replaces the data of a source Secret that asks the operator for copies
 * in the namespaces labelled GROUP=`group` (or `selector` key=value).
 */
export async function writeSource(ctx: Context, name: string, group: string, generation = 1, selector: [string, string] = [GROUP, group]): Promise<void> {
  const metadata = ctx.operator.sourceMetadata(...selector);
  if (generation === 1) {
    await ctx.client.request("POST", `/api/v1/namespaces/${SOURCE_NAMESPACE}/secrets`, {
      body: { metadata: { name, labels: metadata.labels, annotations: metadata.annotations }, data: { token: tokenOf(name, generation) } },
    });
  } else {
    await ctx.client.request("PATCH", `/api/v1/namespaces/${SOURCE_NAMESPACE}/secrets/${name}`, {
      body: { data: { token: tokenOf(name, generation) } },
      contentType: "application/merge-patch+json",
    });
  }
}

export async function deleteSource(ctx: Context, name: string): Promise<void> {
  await ctx.client.request("DELETE", `/api/v1/namespaces/${SOURCE_NAMESPACE}/secrets/${name}`);
}

/** Waits until `count` namespaces hold the source's current value; the time of the last one, or what was reached by the deadline. */
export async function waitCopies(
  ctx: Context,
  name: string,
  generation: number,
  count: number,
  since: number,
): Promise<{ complete: boolean; seconds: number; firstCopySeconds?: number; present: number; expected: number }> {
  const value = tokenOf(name, generation);
  const seen = await ctx.watch.waitHolding(name, value, count, deadlineFor(ctx, count));
  if (seen) return { complete: true, seconds: seconds(seen[count - 1]!.at - since), firstCopySeconds: seconds(seen[0]!.at - since), present: count, expected: count };
  const present = ctx.watch.holding(name, value).length;
  return { complete: false, seconds: seconds(Date.now() - since), present, expected: count };
}

/** The operator's CPU is back at rest: no copy event for `quietMs`. */
export async function settle(ctx: Context, quietMs = 5000, capMs = 600_000): Promise<void> {
  let last = Date.now();
  const stop = ctx.watch.listen(() => (last = Date.now()));
  const until = Date.now() + capMs;
  try {
    await waitFor(() => Date.now() - last >= quietMs || Date.now() > until, { timeoutMs: capMs + quietMs, intervalMs: 200 });
  } finally {
    stop();
  }
}
