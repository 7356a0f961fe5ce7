// The physical limit the operators are held to: the benchmark's own client (no rate limit, the
// same concurrency as Ferry's writer) creating or updating the same number of Secrets directly,
// with the operator running, under the same kind of watch that observes the copies. Like any
// controller, the writer watches what it writes (a label-selected watch of every object it made,
// as Ferry watches its copies), so the apiserver sends each object to as many watchers as in the
// operator's run. The objects are copy-shaped: as many labels and annotations of the same lengths
// as Ferry's copies carry (5 and 3), and the same data, so the apiserver and etcd do the same work
// per object.
import { CopyWatch } from "../measure/copy-watch.js";
import { parallel, seconds } from "../measure/numbers.js";
import { measureCpu, type CpuReading } from "../measure/process-stats.js";
import { tokenOf, type Context } from "./context.js";

export interface RawResult {
  seconds: number;
  writes: number;
  writesPerSecond: number;
  cpuSeconds: CpuReading;
}

const RAW_LABEL = "bench.ferry.dev/raw-managed-by";

function copyShaped(name: string, namespace: string, generation: number, resourceVersion?: string) {
  const raw = "bench.ferry.dev";
  return {
    metadata: {
      name,
      namespace,
      resourceVersion,
      labels: {
        [RAW_LABEL]: "ferry",
        [`${raw}/raw-rule`]: `native.secret.bench-source.${name}`.slice(0, 63),
        [`${raw}/raw-source-namespace`]: "bench-source",
        [`${raw}/raw-source-name`]: name,
        [`${raw}/raw-source-cluster`]: "c-8f14e45fceea167a5a36dedd4bea2543",
      },
      annotations: {
        [`${raw}/raw-rule-id`]: `native/Secret/bench-source/${name}`,
        [`${raw}/raw-source`]: `Secret/bench-source/${name}`,
        [`${raw}/raw-content-hash`]: `sha256:${"0123456789abcdef".repeat(2)}`,
      },
    },
    type: "Opaque",
    data: { token: tokenOf(name, generation) },
  };
}

/** Creates (generation 1) or updates `name` in every namespace of `list`, timed until the observing watch has seen the last one. */
export async function rawWrites(ctx: Context, list: readonly string[], name: string, generation: number): Promise<RawResult> {
  await ctx.watch.track(name);
  const own = new CopyWatch(ctx.watchClient);
  await own.trackLabel(RAW_LABEL, "ferry");
  const cpu = measureCpu(ctx.plane, () => ctx.running?.pid);
  const started = Date.now();
  await parallel(list, ctx.options.concurrency, (namespace) =>
    generation === 1
      ? ctx.client.request("POST", `/api/v1/namespaces/${namespace}/secrets`, { body: copyShaped(name, namespace, generation) })
      : ctx.client.request("PUT", `/api/v1/namespaces/${namespace}/secrets/${name}`, { body: copyShaped(name, namespace, generation) }),
  );
  const seen = await ctx.watch.waitHolding(name, tokenOf(name, generation), list.length, Date.now() + 600_000);
  const ms = (seen?.[list.length - 1]?.at ?? Date.now()) - started;
  const cpuSeconds = cpu.stop();
  await own.stop();
  return { seconds: seconds(ms), writes: list.length, writesPerSecond: Math.round((list.length / ms) * 1000), cpuSeconds };
}
