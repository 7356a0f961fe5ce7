// The real cutover, once per peer, outside CI: a fresh local control plane -> the peer's real
// binary makes its copies -> the peer is stopped -> Ferry starts as users run it (`ferry run`, the
// default policy, no consent switch) -> the sources rotate -> every copy the peer made must be a
// Ferry copy holding its source's content, and no other object may have changed -> some sources
// are deleted -> their copies must be gone. Prints what happened, with timings, as JSON (and
// writes it to --out); docs/migration.md records the results.
//
//   flock /tmp/ferry-heavy.lock npx tsx tools/peers/cutover.ts replicator|config-syncer [--out FILE] [--bin PATH]
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdtempSync, openSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { LocalControlPlane } from "../../src/controlplane/local-control-plane.js";
import { freePort } from "../../src/controlplane/free-port.js";
import { carriesKey } from "../../src/core/key-match.js";
import { MANAGED_BY_LABEL, SOURCE_NAME_LABEL, SOURCE_NAMESPACE_LABEL, TAKEN_OVER_ANNOTATION } from "../../src/core/marks.js";
import { protectedNamespaces } from "../../src/core/protected-namespaces.js";
import { knownDialects } from "../../src/cli/dialects.js";
import { KubeClient } from "../../src/kube/client.js";
import type { KubeObject } from "../../src/kube/informer.js";
import { waitFor } from "../../src/util/wait-for.js";
import { dataKeysOf } from "../../src/controller/target-reads.js";
import { peerBinary, peers, startPeer, type PeerName } from "./peer.js";
import { applyScenario, kubectl, scenarios, type Scenario } from "./scenarios.js";

/** The dialect whose tool each peer is. */
const dialectOf: Record<PeerName, string> = { replicator: "replicator", "config-syncer": "kubed" };
const REPLICATE_FROM = "replicator.v1.mittwald.de/replicate-from";
const REPLICATED_KEYS = "replicator.v1.mittwald.de/replicated-keys";
/** Ferry's own namespace: Ferry publishes its identity there, and the controller manager adds its CA bundle. */
const FERRY_NAMESPACE = "ferry-system";

type Kind = "Secret" | "ConfigMap";
const kinds: Kind[] = ["Secret", "ConfigMap"];
const keyOf = (o: KubeObject) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`;
const content = (o: KubeObject | undefined) => JSON.stringify({ data: o?.data ?? {}, binaryData: o?.binaryData ?? {} });

async function everything(client: KubeClient): Promise<KubeObject[]> {
  const all: KubeObject[] = [];
  for (const kind of kinds) {
    const list = await client.get<{ items: KubeObject[] }>(`/api/v1/${kind === "Secret" ? "secrets" : "configmaps"}`);
    for (const item of list.items) all.push({ ...item, kind });
  }
  return all;
}

async function startFerry(kubeconfig: string, dir: string): Promise<{ child: ChildProcess; healthUrl: string; readyMs: number; args: string[] }> {
  const port = await freePort();
  const args = ["run", "--kubeconfig", kubeconfig, "--health-port", String(port), "--log-format", "json"];
  const log = openSync(join(dir, "ferry.log"), "a");
  const started = Date.now();
  const child = spawn(process.execPath, ["--import", resolve("node_modules/tsx/dist/loader.mjs"), resolve("src/cli/main.ts"), ...args], { stdio: ["ignore", log, log] });
  closeSync(log);
  const healthUrl = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${healthUrl}/readyz`).catch(() => undefined))?.status === 200, { timeoutMs: 120_000, description: "ferry ready" });
  return { child, healthUrl, readyMs: Date.now() - started, args: ["ferry", ...args] };
}

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  const flag = (key: string) => {
    const i = rest.indexOf(key);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  if (name !== "replicator" && name !== "config-syncer") throw new Error("usage: cutover.ts replicator|config-syncer [--out FILE] [--bin PATH]");
  const scenario: Scenario = scenarios[name];
  const marks = knownDialects.find((d) => d.name === dialectOf[name])!.copyMarks!;
  const dir = mkdtempSync(join(tmpdir(), `ferry-cutover-${name}-`));
  const report: Record<string, unknown> = { peer: name, source: peers[name].source, date: new Date().toISOString(), dir };
  const steps: string[] = [];
  const step = (line: string) => {
    steps.push(line);
    console.error(line);
  };
  let started = Date.now();
  const plane = await LocalControlPlane.up({ dir: join(dir, "cluster") });
  step(`fresh control plane up in ${Date.now() - started} ms`);
  const kubeconfig = plane.kubeconfigPath;
  const client = await KubeClient.fromFile(kubeconfig);
  let ferry: ChildProcess | undefined;
  try {
    applyScenario(kubeconfig, scenario);
    const sourceNamespace = Object.keys(scenario.namespaces).find((ns) => ns.endsWith("-src"))!;
    const sources = new Set(scenario.dump.filter((ref) => ref.namespace === sourceNamespace).map((ref) => `${ref.kind === "secret" ? "Secret" : "ConfigMap"}/${ref.namespace}/${ref.name}`));

    // 1. The peer makes its copies, and is stopped.
    const peer = await startPeer({ name, kubeconfig, dir: join(dir, "peer"), bin: flag("--bin") });
    step(`peer: ${peerBinary(name, flag("--bin"))} ${peer.args.join(" ")} (ready in ${peer.readyMs} ms)`);
    started = Date.now();
    const first = scenario.copies.filter((c) => !c.afterRotation);
    for (const copy of first) {
      const kind: Kind = copy.ref.kind === "secret" ? "Secret" : "ConfigMap";
      await waitFor(async () => ((await client.getOptional<KubeObject>(`/api/v1/namespaces/${copy.ref.namespace}/${copy.ref.kind}s/${copy.ref.name}`))?.data as Record<string, string> | undefined)?.[copy.key] === copy.value, {
        timeoutMs: 120_000,
        description: `${name}'s ${kind} ${copy.ref.namespace}/${copy.ref.name}`,
      });
    }
    step(`peer made the ${first.length} expected copies in ${Date.now() - started} ms`);
    await peer.stop();
    step("peer stopped (SIGTERM)");

    // What the peer left: its copies (marked objects that are not sources), the pull targets, everything else.
    const before = await everything(client);
    const marked = before.filter((o) => carriesKey(o.metadata, marks.keys) && !sources.has(keyOf(o)) && !o.metadata.annotations?.[REPLICATE_FROM]);
    // Objects the replicator merged into hold keys it did not write: they are not its copies, and must stay untouched.
    const merged = marked.filter((o) => o.metadata.annotations?.[REPLICATED_KEYS] !== undefined && o.metadata.annotations[REPLICATED_KEYS] !== dataKeysOf(o).join(","));
    const peerCopies = marked.filter((o) => !merged.includes(o));
    const pullTargets = before.filter((o) => o.metadata.annotations?.[REPLICATE_FROM] !== undefined);
    const guarded = protectedNamespaces(FERRY_NAMESPACE);
    const expected = peerCopies.filter((o) => !guarded.includes(o.metadata.namespace!));
    const leftInProtected = peerCopies.filter((o) => guarded.includes(o.metadata.namespace!)).map(keyOf);
    step(`the peer left ${peerCopies.length} marked copies (${expected.length} outside protected namespaces), ${merged.length} objects it merged into, ${pullTargets.length} pull targets`);

    // 2. Ferry starts as users run it, and takes the copies over.
    const running = await startFerry(kubeconfig, dir);
    ferry = running.child;
    step(`${running.args.join(" ")}: ready in ${running.readyMs} ms`);
    started = Date.now();
    const takenOver = async () => {
      const now = new Map((await everything(client)).map((o) => [keyOf(o), o]));
      return expected.every((o) => now.get(keyOf(o))?.metadata.annotations?.[TAKEN_OVER_ANNOTATION] === marks.tool);
    };
    await waitFor(takenOver, { timeoutMs: 60_000, description: `the ${expected.length} copies taken over` });
    step(`all ${expected.length} copies taken over ${Date.now() - started} ms after Ferry was ready`);

    // 3. The sources rotate: every copy and pull target follows its source.
    kubectl(kubeconfig, ["apply", "-f", "-"], scenario.rotate);
    started = Date.now();
    const follows = async () => {
      const now = new Map((await everything(client)).map((o) => [keyOf(o), o]));
      const copies = expected.map((o) => now.get(keyOf(o)));
      const fresh = copies.every((copy) => {
        const labels = copy?.metadata.labels ?? {};
        const source = now.get(`${copy?.kind}/${labels[SOURCE_NAMESPACE_LABEL]}/${labels[SOURCE_NAME_LABEL]}`);
        return labels[MANAGED_BY_LABEL] === "ferry" && source !== undefined && content(copy) === content(source);
      });
      const pulled = pullTargets.every((target) => !content(now.get(keyOf(target))).includes("djE=") && !content(now.get(keyOf(target))).includes('"v1"'));
      return fresh && pulled;
    };
    await waitFor(follows, { timeoutMs: 60_000, description: "every copy and pull target to hold its rotated source's content" });
    step(`rotation reached all ${expected.length} copies and ${pullTargets.length} pull targets in ${Date.now() - started} ms`);

    // Nothing else changed: every object that is not a source, a taken-over copy or a pull target has its old resourceVersion.
    const mine = new Set([...sources, ...expected.map(keyOf), ...pullTargets.map(keyOf)]);
    const after = new Map((await everything(client)).map((o) => [keyOf(o), o]));
    const changed = before.filter((o) => !mine.has(keyOf(o)) && after.get(keyOf(o))?.metadata.resourceVersion !== o.metadata.resourceVersion).map(keyOf);
    const created = [...after.values()]
      .filter((o) => o.metadata.namespace !== FERRY_NAMESPACE && !before.some((b) => keyOf(b) === keyOf(o)))
      .map((o) => ({ key: keyOf(o), ferryCopy: o.metadata.labels?.[MANAGED_BY_LABEL] === "ferry" }));
    step(`unrelated objects changed: ${changed.length === 0 ? "none" : changed.join(", ")}; new objects: ${created.length} (all Ferry copies: ${created.every((c) => c.ferryCopy)})`);

    // 4. Some sources are deleted: their taken-over copies are pruned, the others stay.
    for (const ref of scenario.remove.sources) kubectl(kubeconfig, ["delete", "-n", ref.namespace, ref.kind, ref.name]);
    // Every source lives in the scenario's source namespace, and the peers' copies keep their source's name.
    const deleted = new Set(scenario.remove.sources.map((ref) => `${ref.kind === "secret" ? "Secret" : "ConfigMap"}/${ref.name}`));
    const ofDeleted = expected.filter((o) => deleted.has(`${o.kind}/${o.metadata.name}`));
    started = Date.now();
    await waitFor(
      async () => {
        const now = new Map((await everything(client)).map((o) => [keyOf(o), o]));
        return ofDeleted.every((o) => !now.has(keyOf(o))) || undefined;
      },
      { timeoutMs: 60_000, description: "the copies of the deleted sources to be pruned" },
    );
    const remaining = new Map((await everything(client)).map((o) => [keyOf(o), o]));
    const kept = expected.filter((o) => !ofDeleted.includes(o)).filter((o) => remaining.get(keyOf(o))?.metadata.labels?.[MANAGED_BY_LABEL] === "ferry").length;
    step(`deleting ${scenario.remove.sources.length} source(s) pruned their ${ofDeleted.length} taken-over copies in ${Date.now() - started} ms; ${kept} copies of the other sources remain`);
    const unchangedAtEnd = before.filter((o) => !mine.has(keyOf(o)) && remaining.get(keyOf(o))?.metadata.resourceVersion === o.metadata.resourceVersion).length;
    const metrics = await (await fetch(`${running.healthUrl}/metrics`)).text();
    Object.assign(report, {
      ok: changed.length === 0 && created.every((c) => c.ferryCopy),
      takenOver: expected.map(keyOf),
      leftInProtectedNamespaces: leftInProtected,
      mergedIntoLeftAlone: merged.map(keyOf),
      pullTargets: pullTargets.map(keyOf),
      unrelatedChanged: changed,
      unrelatedUnchangedAtEnd: unchangedAtEnd,
      prunedWithTheirSource: ofDeleted.map(keyOf),
      takeoversMetric: metrics.split("\n").filter((line) => line.startsWith("ferry_takeovers_total{")),
      steps,
    });
  } finally {
    ferry?.kill("SIGTERM");
    client.close();
    await plane.down();
  }
  const text = JSON.stringify(report, null, 2);
  console.log(text);
  const out = flag("--out");
  if (out) writeFileSync(out, `${text}\n`);
  if (report.ok !== true) process.exit(1);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error((error as Error).stack ?? String(error));
  process.exit(1);
});
