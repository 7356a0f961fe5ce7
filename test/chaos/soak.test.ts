// A randomized soak: a seeded generator of operations (sources, rules, namespaces, labels, hand
// edits of copies, unmanaged objects in the way) interleaved with Ferry restarts; the fixed-point
// check after each phase. A failure prints the seed: FERRY_SOAK_SEED=<seed> replays it.
import { test } from "node:test";
import type { RunningFerry } from "../../src/cli/run.js";
import { MANAGED_BY_LABEL } from "../../src/core/marks.js";
import type { KubeObject } from "../../src/kube/informer.js";
import { adminClient, uniqueName } from "../support/cluster.js";
import { assertFixedPoint } from "../support/fixed-point.js";
import { b64, startTestFerry } from "../support/ferry.js";

const full = process.env.FERRY_CHAOS === "full";
const phases = full ? 10 : 3;
const operationsPerPhase = full ? 120 : 30;

/** mulberry32: a small, good-enough seeded PRNG. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test("randomized soak: operations and restarts, the fixed point after every phase", async (t) => {
  const seed = Number(process.env.FERRY_SOAK_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const rand = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
  const kube = await adminClient();
  const id = uniqueName("soak");
  const src = `${id}-src`;
  const tiers = ["a", "b", "c"];
  const live = new Set<string>();
  const gone = new Set<string>();
  const sources = new Map<string, { kind: "Secret" | "ConfigMap"; version: number }>();
  const rules = new Set<string>();
  const unmanaged = new Map<string, string>();
  let counter = 0;
  const log: string[] = [];

  const createNamespace = async () => {
    const name = `${id}-${counter++}`;
    await kube.request("POST", "/api/v1/namespaces", { body: { metadata: { name, labels: { soak: id, tier: pick(tiers) } } } });
    live.add(name);
  };
  await kube.request("POST", "/api/v1/namespaces", { body: { metadata: { name: src, labels: { soak: id } } } });
  for (let i = 0; i < 6; i++) await createNamespace();
  t.after(async () => {
    for (const rule of rules) await kube.request("DELETE", `/apis/ferry.dev/v1alpha1/clusterdistributions/${rule}`).catch(() => undefined);
    for (const name of [src, ...live]) await kube.request("DELETE", `/api/v1/namespaces/${name}`).catch(() => undefined);
  });

  const path = (kind: "Secret" | "ConfigMap", ns: string, name?: string) => `/api/v1/namespaces/${ns}/${kind === "Secret" ? "secrets" : "configmaps"}${name ? `/${name}` : ""}`;
  const content = (kind: "Secret" | "ConfigMap", version: number) => (kind === "Secret" ? { v: b64(`value-${version}`) } : { v: `value-${version}` });
  const copyNames = ["alpha", "beta", "gamma"];

  const operations: Array<[string, () => Promise<void>]> = [
    [
      "create source",
      async () => {
        const name = pick(copyNames) + (rand() < 0.5 ? "" : `-${counter++}`);
        if (sources.has(name)) return;
        const kind = rand() < 0.5 ? "Secret" : "ConfigMap";
        const annotation = rand() < 0.5 ? { "ferry.dev/sync-to-selector": `soak=${id},tier=${pick(tiers)}` } : { "ferry.dev/sync-to": [...live].filter(() => rand() < 0.4).join(",") || [...live][0]! };
        await kube.request("POST", path(kind, src), { body: { metadata: { name, annotations: annotation }, data: content(kind, 0) } });
        sources.set(name, { kind, version: 0 });
      },
    ],
    [
      "update source",
      async () => {
        if (sources.size === 0) return;
        const name = pick([...sources.keys()]);
        const source = sources.get(name)!;
        source.version++;
        await kube.request("PATCH", path(source.kind, src, name), { body: { data: content(source.kind, source.version) }, contentType: "application/merge-patch+json" });
      },
    ],
    [
      "delete source",
      async () => {
        if (sources.size === 0) return;
        const name = pick([...sources.keys()]);
        await kube.request("DELETE", path(sources.get(name)!.kind, src, name));
        sources.delete(name);
      },
    ],
    [
      "create rule",
      async () => {
        if (sources.size === 0) return;
        const source = pick([...sources.keys()]);
        const name = `${id}-rule-${counter++}`;
        await kube.request("POST", "/apis/ferry.dev/v1alpha1/clusterdistributions", {
          body: {
            apiVersion: "ferry.dev/v1alpha1",
            kind: "ClusterDistribution",
            metadata: { name },
            spec: {
              source: { kind: sources.get(source)!.kind, name: source, namespace: src },
              targets: { namespaceSelector: { matchLabels: { soak: id, tier: pick(tiers) } } },
              // overwrite rules may take over what is in their way: their copies have their own names
              ...(rand() < 0.5 ? { copy: { name: `${pick(copyNames)}-copy` } } : { copy: { name: `${pick(copyNames)}-taken` }, conflict: "overwrite" }),
            },
          },
        });
        rules.add(name);
      },
    ],
    [
      "delete rule",
      async () => {
        if (rules.size === 0) return;
        const name = pick([...rules]);
        await kube.request("DELETE", `/apis/ferry.dev/v1alpha1/clusterdistributions/${name}`);
        rules.delete(name);
      },
    ],
    ["create namespace", createNamespace],
    [
      "delete namespace",
      async () => {
        if (live.size <= 3) return;
        const name = pick([...live]);
        await kube.request("DELETE", `/api/v1/namespaces/${name}`);
        live.delete(name);
        gone.add(name);
        for (const key of [...unmanaged.keys()]) if (key.split("/")[1] === name) unmanaged.delete(key);
      },
    ],
    [
      "relabel namespace",
      async () => {
        const name = pick([...live]);
        await kube.request("PATCH", `/api/v1/namespaces/${name}`, { body: { metadata: { labels: { tier: pick(tiers) } } }, contentType: "application/merge-patch+json" });
      },
    ],
    [
      "hand-edit a copy",
      async () => {
        const ns = pick([...live]);
        const kind = rand() < 0.5 ? "Secret" : "ConfigMap";
        const copies = (await kube.get<{ items: KubeObject[] }>(path(kind, ns), { query: { labelSelector: `${MANAGED_BY_LABEL}=ferry` } })).items;
        if (copies.length === 0) return;
        const copy = pick(copies);
        if (rand() < 0.5) await kube.request("DELETE", path(kind, ns, copy.metadata.name)).catch(() => undefined);
        else {
          const data = kind === "Secret" ? { v: b64("tampered") } : { v: "tampered" };
          await kube.request("PATCH", path(kind, ns, copy.metadata.name), { body: { data }, contentType: "application/merge-patch+json" }).catch(() => undefined);
        }
      },
    ],
    [
      "create an unmanaged object in the way",
      async () => {
        const ns = pick([...live]);
        const kind = rand() < 0.5 ? "Secret" : "ConfigMap";
        const name = `${pick(copyNames)}${pick(["", "-copy", "-taken"])}`;
        try {
          const created = await kube.request<KubeObject>("POST", path(kind, ns), { body: { metadata: { name }, data: content(kind, 999) } });
          // Objects in the way of an overwrite rule may be taken over, as that rule asks; all others must stay untouched.
          if (!name.endsWith("-taken")) unmanaged.set(`${kind}/${ns}/${name}`, created.metadata.resourceVersion ?? "");
        } catch {
          // a copy is already there: nothing to add
        }
      },
    ],
  ];

  let ferry: RunningFerry = await startTestFerry(t);
  try {
    for (let phase = 0; phase < phases; phase++) {
      for (let i = 0; i < operationsPerPhase; i++) {
        const [name, run] = pick(operations);
        log.push(`${phase}.${i} ${name}`);
        await run();
        if (rand() < 0.03) {
          log.push(`${phase}.${i} restart Ferry`);
          await ferry.stop();
          ferry = await startTestFerry(t);
        }
      }
      await assertFixedPoint(kube, { namespaces: [src, ...live], unmanaged, ferry, timeoutMs: 90_000 });
    }
  } catch (error) {
    console.error(`soak failed: replay with FERRY_SOAK_SEED=${seed}; last operations:\n${log.slice(-15).join("\n")}`);
    throw error;
  }
  t.diagnostic(`seed ${seed}: ${phases} phases, ${phases * operationsPerPhase} operations, ${gone.size} namespaces deleted`);
});
