// `ferry plan` and `ferry status` on a cutover, through the CLI against the real control plane:
// the plan says what it would take over (with the tool and the evidence) and what it would not
// write and why (an unmanaged Secret of the same name used to be left out without a word);
// status shows the takeovers in progress, then counts the copies taken over.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { createNamespace, sharedControlPlane, uniqueName } from "../support/cluster.js";
import { createSecret, getObject, patchObject, startTestFerry, waitForObject } from "../support/ferry.js";
import { layDown, waitTakenOver } from "./cutover/support.js";

const run = promisify(execFile);
const main = resolve("src/cli/main.ts");
const tsxLoader = resolve("node_modules/tsx/dist/loader.mjs");
const R = "replicator.v1.mittwald.de";

async function ferry(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ["--import", tsxLoader, main, ...args, "--kubeconfig", sharedControlPlane().kubeconfigPath], { maxBuffer: 32 * 1024 * 1024 });
  return stdout;
}

test("ferry plan lists takeovers and the targets it will not write, with reasons; ferry status shows takeovers pending, then counted", async (t) => {
  const src = await createNamespace(t, "plan-src");
  const copied = await createNamespace(t, "plan-copied");
  const taken = await createNamespace(t, "plan-taken");
  const free = await createNamespace(t, "plan-free");
  const name = uniqueName("creds");
  const source = await createSecret(src, name, { password: "plan-pass-1", username: "admin" });
  await layDown(
    "Secret",
    copied,
    {
      name,
      annotations: { [`${R}/replicated-at`]: "2026-11-30T07:56:55Z", [`${R}/replicated-from-version`]: source.metadata.resourceVersion!, [`${R}/replicated-keys`]: "password,username" },
      data: source.data as Record<string, string>,
    },
    "replicator",
  );
  const unmanaged = await createSecret(taken, name, { "their-key": "plan-theirs" });

  const annotations = { [`${R}/replicate-to`]: `${copied},${taken},${free}` };
  const file = join(mkdtempSync(join(tmpdir(), "ferry-plan-")), "switch.yaml");
  writeFileSync(
    file,
    `apiVersion: v1
kind: Secret
metadata:
  name: ${name}
  namespace: ${src}
  annotations: { ${R}/replicate-to: "${annotations[`${R}/replicate-to`]}" }
type: Opaque
data: { password: ${(source.data as Record<string, string>).password}, username: ${(source.data as Record<string, string>).username} }
`,
  );
  const rule = `replicator/Secret/${src}/${name}/push`;
  const planned = JSON.parse(await ferry("plan", "-f", file, "-o", "json")) as Array<Record<string, string>>;
  const byNamespace = Object.fromEntries(planned.map((row) => [row.namespace, row]));
  assert.deepEqual(byNamespace[free], { action: "create", kind: "Secret", namespace: free, name, rule });
  assert.equal(byNamespace[copied]?.action, "take over");
  assert.match(byNamespace[copied]!.why!, /kubernetes-replicator's copy: its marks name this source/);
  assert.equal(byNamespace[taken]?.action, "skip");
  assert.match(byNamespace[taken]!.why!, /^UnmanagedObjectExists: .*carries no kubernetes-replicator marks/);
  assert.equal(planned.length, 3);
  const table = await ferry("plan", "-f", file);
  assert.match(table, new RegExp(`skip\\s+Secret\\s+${taken}\\s+${name}\\s+${rule}\\s+UnmanagedObjectExists`));
  assert.equal((await getObject("Secret", copied, name))?.metadata.labels?.["app.kubernetes.io/managed-by"], undefined, "plan wrote nothing");

  await patchObject("Secret", src, name, { metadata: { annotations } });
  const pending = JSON.parse(await ferry("status", "-n", src, "-o", "json")) as { rules: Array<Record<string, unknown>>; takingOver: string[] };
  assert.deepEqual(pending.takingOver, [`Secret/${src}/${name}: taking over Secret/${copied}/${name}: kubernetes-replicator's marks show it is that tool's copy of this source`]);

  await startTestFerry(t);
  await waitTakenOver("Secret", copied, name, "kubernetes-replicator", [`${R}/replicated-keys`]);
  await waitForObject("Secret", free, name, (o) => o.metadata.labels?.["app.kubernetes.io/managed-by"] === "ferry");
  const status = JSON.parse(await ferry("status", "-n", src, "-o", "json")) as { rules: Array<Record<string, unknown>>; takingOver: string[] };
  const row = status.rules.find((r) => r.rule === `Secret/${src}/${name}`);
  assert.deepEqual(
    { desired: row?.desired, synced: row?.synced, conflicts: row?.conflicts, takenOver: row?.["taken-over"], state: row?.state },
    { desired: 3, synced: 2, conflicts: 1, takenOver: 1, state: "Conflict" },
  );
  assert.deepEqual(status.takingOver, []);
  assert.match(await ferry("status", "-n", src), new RegExp(`Secret/${src}/${name}\\s+replicator\\s+Secret/${src}/${name}\\s+3\\s+2\\s+1\\s+0\\s+1\\s+Conflict`));
  assert.equal((await getObject("Secret", taken, name))?.metadata.resourceVersion, unmanaged.metadata.resourceVersion);
});
