// A fresh control plane for one suite, with the benchmark's client (no client-side rate limit,
// the raw baseline's connection pool) and the copy watch; torn down at the end.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalControlPlane } from "../../src/controlplane/local-control-plane.js";
import { KubeClient } from "../../src/kube/client.js";
import { CopyWatch } from "../measure/copy-watch.js";
import type { Operator, RunningOperator } from "../operators/operator.js";
import type { BenchOptions } from "../options.js";
import { SOURCE_NAMESPACE, type Context } from "../scenarios/context.js";

export async function withPlane<T>(
  label: string,
  operator: Operator,
  options: BenchOptions,
  log: (message: string) => void,
  run: (ctx: Context) => Promise<T>,
): Promise<T> {
  const plane = await LocalControlPlane.up({ dir: mkdtempSync(join(tmpdir(), `ferry-bench-${label}-`)) });
  const client = await KubeClient.fromFile(plane.kubeconfigPath, { qps: 0, maxSockets: options.concurrency + 8 });
  // Every watch stream holds a socket for as long as it runs (the scaling part opens one per
  // source, 100 at 1k x 100): with the writers' pool they took all of its sockets and the next
  // request waited for one forever. The watches get a pool of their own.
  const watchClient = await KubeClient.fromFile(plane.kubeconfigPath, { qps: 0, maxSockets: 4096 });
  const watch = new CopyWatch(watchClient, new Set([SOURCE_NAMESPACE]));
  const ctx: Context = {
    plane,
    client,
    operator,
    options,
    watch,
    watchClient,
    running: undefined,
    async start(): Promise<RunningOperator> {
      ctx.running = await ctx.operator.start({ kubeconfig: plane.kubeconfigPath, dir: join(plane.dir, ctx.operator.name) });
      return ctx.running;
    },
    log: (message) => log(`${label}/${ctx.operator.name}: ${message}`),
  };
  try {
    await client.request("POST", "/api/v1/namespaces", { body: { metadata: { name: SOURCE_NAMESPACE } } });
    return await run(ctx);
  } finally {
    await ctx.running?.stop().catch(() => undefined);
    await watch.stop();
    client.close();
    watchClient.close();
    await plane.down({ keepDir: options.keepPlanes });
    if (options.keepPlanes) log(`${label}: kept ${plane.dir}`);
  }
}
