// The `ferry` CLI (also `kubectl ferry`): status, explain, plan and convert against the real cluster.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { createNamespace, sharedControlPlane, uniqueName } from "../support/cluster.js";
import { createSecret, startTestFerry, waitForObject } from "../support/ferry.js";

const run = promisify(execFile);
const main = resolve("src/cli/main.ts");
const tsxLoader = resolve("node_modules/tsx/dist/loader.mjs");

async function ferry(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ["--import", tsxLoader, main, ...args, "--kubeconfig", sharedControlPlane().kubeconfigPath], {
    maxBuffer: 32 * 1024 * 1024,
  });
  return stdout;
}

test("ferry status, explain, plan and convert describe what Ferry does and would do", async (t) => {
  await startTestFerry(t);
  const src = await createNamespace(t, "cli-src");
  const target = await createNamespace(t, "cli-target");
  const bystander = await createNamespace(t, "cli-bystander");
  const name = uniqueName("cli");
  await createSecret(src, name, { v: "1" }, { annotations: { "ferry.dev/sync-to": target } });
  await createSecret(src, `${name}-kruise`, { v: "1" }, { annotations: { "openkruise.io/sync-to": "cluster" } });
  await waitForObject("Secret", target, name);

  const status = JSON.parse(await ferry("status", "-o", "json")) as { rules: Array<Record<string, unknown>>; members: unknown[] };
  const row = status.rules.find((r) => r.rule === `Secret/${src}/${name}`);
  assert.deepEqual({ desired: row?.desired, synced: row?.synced, state: row?.state }, { desired: 1, synced: 1, state: "Synced" });
  assert.match(await ferry("status"), new RegExp(`Secret/${src}/${name}\\s+native`));

  const explained = JSON.parse(await ferry("explain", target, name, "-o", "json")) as Array<Record<string, string>>;
  assert.deepEqual(explained.map((r) => r.selected), ["yes"]);
  assert.match(explained[0]!.why!, /Synced/);
  const notHere = JSON.parse(await ferry("explain", bystander, name, "-o", "json")) as Array<Record<string, string>>;
  assert.equal(notHere[0]!.selected, "no");
  assert.match(notHere[0]!.why!, /NotSelected/);
  const protectedNs = JSON.parse(await ferry("explain", "kube-system", `${name}-kruise`, "-o", "json")) as Array<Record<string, string>>;
  assert.match(protectedNs[0]!.why!, /Excluded|ProtectedNamespace/);

  const file = join(mkdtempSync(join(tmpdir(), "ferry-plan-")), "change.yaml");
  writeFileSync(
    file,
    `apiVersion: ferry.dev/v1alpha1
kind: ClusterDistribution
metadata:
  name: ${name}-planned
spec:
  source: { kind: Secret, name: ${name}, namespace: ${src} }
  targets: { namespaces: [${bystander}] }
`,
  );
  const planned = JSON.parse(await ferry("plan", "-f", file, "-o", "json")) as Array<Record<string, string>>;
  assert.deepEqual(planned, [{ action: "create", kind: "Secret", namespace: bystander, name, rule: `native/ClusterDistribution/${name}-planned` }]);
  assert.equal(await waitForObject("Secret", bystander, name, () => true, 1).catch(() => "absent"), "absent", "plan wrote nothing");

  const converted = JSON.parse(await ferry("convert", "-o", "json")) as Array<{ from: string; resource?: { kind: string; spec: { targets: unknown } } }>;
  const kruise = converted.find((c) => c.from === `Secret/${src}/${name}-kruise`);
  assert.equal(kruise?.resource?.kind, "Distribution");
  assert.deepEqual(kruise?.resource?.spec.targets, { allNamespaces: true, exclude: ["kube-system", "kube-public", src] });
});

test("kubectl finds the CLI as a plugin named kubectl-ferry", async () => {
  const bin = mkdtempSync(join(tmpdir(), "ferry-bin-"));
  const packageJson = (await import("../../package.json", { with: { type: "json" } })).default as { bin: Record<string, string> };
  assert.equal(packageJson.bin["kubectl-ferry"], packageJson.bin.ferry);
  // The installed bin runs dist/; here the same entry point runs from source.
  writeFileSync(join(bin, "kubectl-ferry"), `#!/bin/sh\nexec "${process.execPath}" --import "${tsxLoader}" "${main}" "$@"\n`);
  chmodSync(join(bin, "kubectl-ferry"), 0o755);
  const { stdout } = await run("kubectl", ["ferry", "--help"], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
  assert.match(stdout, /explain \[options\] <namespace> \[name\]/);
});
