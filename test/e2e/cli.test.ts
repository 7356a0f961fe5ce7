// The `ferry` CLI (also `kubectl ferry`): status, explain, plan and convert against the real cluster.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { adminClient, createNamespace, sharedControlPlane, uniqueName } from "../support/cluster.js";
import { createSecret, getObject, installTestCrds, startTestFerry, waitForObject } from "../support/ferry.js";
import { startFerryProcess } from "../support/ferry-process.js";
import { kubeConfigWithContexts } from "../support/kubeconfig-variant.js";

const run = promisify(execFile);
const main = resolve("src/cli/main.ts");
const tsxLoader = resolve("node_modules/tsx/dist/loader.mjs");

async function ferryWith(kubeconfig: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ["--import", tsxLoader, main, ...args, "--kubeconfig", kubeconfig], { maxBuffer: 32 * 1024 * 1024 });
  return stdout;
}

const ferry = (...args: string[]) => ferryWith(sharedControlPlane().kubeconfigPath, ...args);

test("ferry status, explain, plan and convert describe what Ferry does and would do", async (t) => {
  await startTestFerry(t);
  const src = await createNamespace(t, "cli-src");
  const target = await createNamespace(t, "cli-target");
  const bystander = await createNamespace(t, "cli-bystander");
  const name = uniqueName("cli");
  await createSecret(src, name, { v: "1" }, { annotations: { "ferry.dev/sync-to": target } });
  await createSecret(src, `${name}-kruise`, { v: "1" }, { annotations: { "openkruise.io/sync-to": "cluster" } });
  await waitForObject("Secret", target, name);

  const status = JSON.parse(await ferry("status", "-A", "-o", "json")) as { rules: Array<Record<string, unknown>>; members: unknown[] };
  const row = status.rules.find((r) => r.rule === `Secret/${src}/${name}`);
  assert.deepEqual({ desired: row?.desired, synced: row?.synced, state: row?.state }, { desired: 1, synced: 1, state: "Synced" });
  assert.match(await ferry("status", "-n", src), new RegExp(`Secret/${src}/${name}\\s+native`));

  const explained = JSON.parse(await ferry("explain", name, "-n", target, "-o", "json")) as Array<Record<string, string>>;
  assert.deepEqual(explained.map((r) => r.selected), ["yes"]);
  assert.match(explained[0]!.why!, /Synced/);
  const notHere = JSON.parse(await ferry("explain", name, "-n", bystander, "-o", "json")) as Array<Record<string, string>>;
  assert.equal(notHere[0]!.selected, "no");
  assert.match(notHere[0]!.why!, /NotSelected/);
  const protectedNs = JSON.parse(await ferry("explain", `${name}-kruise`, "--namespace", "kube-system", "-o", "json")) as Array<Record<string, string>>;
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

  const converted = JSON.parse(await ferry("convert", "-A", "-o", "json")) as Array<{ from: string; resource?: { kind: string; spec: { targets: unknown } } }>;
  const kruise = converted.find((c) => c.from === `Secret/${src}/${name}-kruise`);
  assert.equal(kruise?.resource?.kind, "Distribution");
  assert.deepEqual(kruise?.resource?.spec.targets, { allNamespaces: true, exclude: ["kube-system", "kube-public", src] });
});

test("like kubectl: --context picks the context, -n the namespace to look at (default: the context's), -A all of them; --ferry-namespace is Ferry's own", async (t) => {
  await startTestFerry(t);
  const mine = await createNamespace(t, "cli-mine");
  const theirs = await createNamespace(t, "cli-theirs");
  const target = await createNamespace(t, "cli-to");
  const bystander = await createNamespace(t, "cli-by");
  const name = uniqueName("cli-ns");
  await createSecret(mine, `${name}-mine`, { v: "1" }, { annotations: { "ferry.dev/sync-to": target } });
  await createSecret(theirs, `${name}-theirs`, { v: "1" }, { annotations: { "ferry.dev/sync-to": target } });
  await createSecret(theirs, `${name}-kruise`, { v: "1" }, { annotations: { "openkruise.io/sync-to": "namespaces", "openkruise.io/sync-to-namespaces": target } });
  for (const copy of ["mine", "theirs", "kruise"]) await waitForObject("Secret", target, `${name}-${copy}`);
  // The current context reaches no cluster; context `local` is the cluster, with namespace `mine`.
  const kubeconfig = join(mkdtempSync(join(tmpdir(), "ferry-contexts-")), "kubeconfig");
  writeFileSync(kubeconfig, kubeConfigWithContexts(await adminClient(), mine).exportConfig());
  const cli = (command: string, ...args: string[]) => ferryWith(kubeconfig, command, "--context", "local", "--ferry-namespace", "ferry-system", ...args);
  const ruleNames = async (...args: string[]) => (JSON.parse(await cli("status", "-o", "json", ...args)) as { rules: Array<{ rule: string }> }).rules.map((r) => r.rule);
  const ours = `Secret/${mine}/${name}-mine`;
  const others = `Secret/${theirs}/${name}-theirs`;
  const kruise = `Secret/${theirs}/${name}-kruise`;

  assert.deepEqual((await ruleNames()).filter((r) => r.includes(name)), [ours], "no -n: the context's namespace");
  assert.deepEqual((await ruleNames("-n", theirs)).filter((r) => r.includes(name)).sort(), [kruise, others].sort());
  assert.deepEqual((await ruleNames("--namespace", theirs)).filter((r) => r.includes(name)).sort(), [kruise, others].sort());
  assert.deepEqual((await ruleNames("-A")).filter((r) => r.includes(name)).sort(), [kruise, ours, others].sort());
  assert.match(await cli("status", "--all-namespaces"), new RegExp(`Secret/${theirs}/${name}-theirs\\s+native`));

  const explained = JSON.parse(await cli("explain", `${name}-theirs`, "-n", target, "-o", "json")) as Array<Record<string, string>>;
  assert.ok(explained.length > 0 && explained.every((r) => r.selected === "yes"), JSON.stringify(explained));

  // plan -f: objects of the file without a namespace are in the namespace looked at.
  const file = join(mkdtempSync(join(tmpdir(), "ferry-plan-")), "source.yaml");
  writeFileSync(file, `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}-new\n  annotations: { ferry.dev/sync-to: ${bystander} }\nstringData: { v: "1" }\n`);
  const planned = JSON.parse(await cli("plan", "-f", file, "-n", theirs, "-o", "json")) as Array<Record<string, string>>;
  assert.deepEqual(planned.map((row) => `${row.action} ${row.namespace}/${row.name}`), [`create ${bystander}/${name}-new`]);
  assert.match(planned[0]!.rule!, new RegExp(`${theirs}`), "the file's Secret is planned in the namespace given by -n");

  const converted = async (...args: string[]) => (JSON.parse(await cli("convert", "-o", "json", ...args)) as Array<{ from: string }>).map((c) => c.from).filter((from) => from.includes(name));
  assert.deepEqual(await converted(), [], "the context's namespace holds no dialect object");
  assert.deepEqual(await converted("-n", theirs), [kruise]);
  assert.deepEqual(await converted("-A"), [kruise]);

  await assert.rejects(ferryWith(kubeconfig, "status", "--context", "no-such-context"), /no-such-context/);
});

test("ferry run --context runs against that context's cluster; --namespace still names Ferry's own namespace (deprecated)", async (t) => {
  const ferryNamespace = await createNamespace(t, "cli-run-ferry");
  const src = await createNamespace(t, "cli-run-src");
  const target = await createNamespace(t, "cli-run-to");
  const dir = mkdtempSync(join(tmpdir(), "ferry-contexts-"));
  const kubeconfig = join(dir, "kubeconfig");
  writeFileSync(kubeconfig, kubeConfigWithContexts(await adminClient(), src).exportConfig());
  const logFile = join(dir, "ferry.log");
  await installTestCrds();
  const ferryProcess = await startFerryProcess(kubeconfig, logFile, ["--context", "local", "--namespace", ferryNamespace, "--cluster-name", "local", "--dialects", "native", "--no-registry", "--no-install-crds"]);
  t.after(() => ferryProcess.kill("SIGTERM"));
  const name = uniqueName("cli-run");
  await createSecret(src, name, { v: "1" }, { annotations: { "ferry.dev/sync-to": target } });
  await waitForObject("Secret", target, name);
  assert.ok(await getObject("ConfigMap", ferryNamespace, "ferry-identity"), "Ferry's namespace is the one --namespace named");
  assert.match(readFileSync(logFile, "utf8"), /--namespace is deprecated/);
});

test("kubectl finds the CLI as a plugin named kubectl-ferry", async () => {
  const bin = mkdtempSync(join(tmpdir(), "ferry-bin-"));
  const packageJson = (await import("../../package.json", { with: { type: "json" } })).default as { bin: Record<string, string> };
  assert.equal(packageJson.bin["kubectl-ferry"], packageJson.bin.ferry);
  // The installed bin runs dist/; here the same entry point runs from source.
  writeFileSync(join(bin, "kubectl-ferry"), `#!/bin/sh\nexec "${process.execPath}" --import "${tsxLoader}" "${main}" "$@"\n`);
  chmodSync(join(bin, "kubectl-ferry"), 0o755);
  const { stdout } = await run("kubectl", ["ferry", "--help"], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
  assert.match(stdout, /explain \[options\] \[name\]/);
});
