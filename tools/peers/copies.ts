// Makes a peer tool write its copies on a cluster and dumps them exactly as written, to check the
// marks table of the cutover work (issue 16) against the real binaries: for each peer, sources
// with the peer's annotations (push and pull where the tool has both, one pre-existing unrelated
// object where a target is taken), then one source rotation, then deletion of some sources. Every
// source and copy is dumped with `kubectl get -o yaml --show-managed-fields` after each phase
// (nothing stripped; all values are dummies).
//
//   npx tsx tools/peers/copies.ts replicator|config-syncer --kubeconfig PATH --out DIR [--no-start]
//
// Without --no-start it starts the peer itself (tools/peers/peer.ts) and stops it at the end.
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { waitFor } from "../../src/util/wait-for.js";
import { peerBinary, peers, startPeer } from "./peer.js";
import { applyScenario, b64, kubectl, scenarios, type Ref, type Scenario } from "./scenarios.js";

function kubectlOk(kubeconfig: string, args: string[]): boolean {
  try {
    kubectl(kubeconfig, args);
    return true;
  } catch {
    return false;
  }
}

function getData(kubeconfig: string, ref: Ref, key: string): string | undefined {
  try {
    const json = JSON.parse(kubectl(kubeconfig, ["get", "-n", ref.namespace, ref.kind, ref.name, "-o", "json"])) as {
      data?: Record<string, string>;
    };
    return json.data?.[key];
  } catch {
    return undefined;
  }
}

function dump(kubeconfig: string, refs: Ref[], path: string): void {
  const parts = refs.map((ref) => {
    try {
      return `# ${ref.kind} ${ref.namespace}/${ref.name}\n${kubectl(kubeconfig, ["get", "-n", ref.namespace, ref.kind, ref.name, "-o", "yaml", "--show-managed-fields"])}`;
    } catch {
      return `# ${ref.kind} ${ref.namespace}/${ref.name}: not found\n`;
    }
  });
  writeFileSync(path, parts.join("---\n"));
}

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  const flag = (key: string) => {
    const i = rest.indexOf(key);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  if (name !== "replicator" && name !== "config-syncer") {
    throw new Error("usage: copies.ts replicator|config-syncer --kubeconfig PATH --out DIR [--no-start] [--bin PATH]");
  }
  const kubeconfig = resolve(flag("--kubeconfig") ?? process.env.KUBECONFIG ?? "");
  const out = resolve(flag("--out") ?? ".");
  mkdirSync(out, { recursive: true });
  const scenario = scenarios[name];

  applyScenario(kubeconfig, scenario);

  const peer = rest.includes("--no-start")
    ? undefined
    : await startPeer({ name, kubeconfig, dir: mkdtempSync(join(tmpdir(), `ferry-peer-${name}-`)), bin: flag("--bin") });
  const log: string[] = [];
  if (peer) {
    log.push(`peer: ${peerBinary(name, flag("--bin"))} ${peer.args.join(" ")}`, `source: ${peers[name].source}`, `ready in ${peer.readyMs} ms`);
  }
  try {
    const wait = (copy: Scenario["copies"][number], value: string, what: string) =>
      waitFor(() => getData(kubeconfig, copy.ref, copy.key) === value, {
        timeoutMs: 120_000,
        intervalMs: 200,
        description: `${name} ${what} ${copy.ref.kind} ${copy.ref.namespace}/${copy.ref.name}`,
      });
    let started = Date.now();
    const first = scenario.copies.filter((c) => !c.afterRotation);
    for (const copy of first) await wait(copy, copy.value, "copy");
    log.push(`${first.length} copies present ${Date.now() - started} ms after the peer was ready`);
    dump(kubeconfig, scenario.dump, join(out, `${name}-1-created.yaml`));

    kubectl(kubeconfig, ["apply", "-f", "-"], scenario.rotate);
    started = Date.now();
    const rotated = (value: string) => (value === "v1" ? "v2" : value === b64("v1") ? b64("v2") : value);
    for (const copy of scenario.copies) await wait(copy, rotated(copy.value), "rotated copy");
    log.push(`rotation reached all ${scenario.copies.length} copies after ${Date.now() - started} ms`);
    dump(kubeconfig, scenario.dump, join(out, `${name}-2-rotated.yaml`));

    for (const ref of scenario.remove.sources) kubectl(kubeconfig, ["delete", "-n", ref.namespace, ref.kind, ref.name]);
    started = Date.now();
    for (const ref of scenario.remove.gone) {
      await waitFor(() => !kubectlOk(kubeconfig, ["get", "-n", ref.namespace, ref.kind, ref.name]), {
        timeoutMs: 120_000,
        intervalMs: 200,
        description: `${name} to delete ${ref.kind} ${ref.namespace}/${ref.name}`,
      });
    }
    // Give the peer a moment for the rest of its clean-up before the last dump.
    await new Promise((done) => setTimeout(done, 3000));
    log.push(`after deleting ${scenario.remove.sources.length} sources the expected copies were gone in ${Date.now() - started} ms`);
    dump(kubeconfig, scenario.dump, join(out, `${name}-3-sources-deleted.yaml`));
  } finally {
    await peer?.stop();
    if (peer) copyFileSync(peer.logPath, join(out, `${name}.log`));
    writeFileSync(join(out, `${name}-run.txt`), log.join("\n") + "\n");
  }
  console.log(log.join("\n"));
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});
