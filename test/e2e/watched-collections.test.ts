// A part of Ferry that is off opens no watch: `ferry run --no-registry` lists and watches no
// RegistryCredentials (nor the ServiceAccounts the registry patches), and `--dialects native`
// none of another dialect's custom resources. Seen by the apiserver itself: its audit log on a
// dedicated control plane records every list and watch (src/controlplane/audit-log.ts). The same
// Ferry with everything on is the control: there the log shows those lists and watches.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { pino } from "pino";
import { installCrds } from "../../src/cli/run.js";
import { knownDialects } from "../../src/cli/dialects.js";
import type { AuditEvent } from "../../src/controlplane/audit-log.js";
import { LocalControlPlane } from "../../src/controlplane/local-control-plane.js";
import { KubeClient } from "../../src/kube/client.js";
import { waitFor } from "../../src/util/wait-for.js";
import { uniqueName } from "../support/cluster.js";
import { startFerryProcess } from "../support/ferry-process.js";

let plane: LocalControlPlane;
let admin: KubeClient;

before(async () => {
  plane = await LocalControlPlane.up({ dir: mkdtempSync(join(tmpdir(), "ferry-watched-")), audit: true });
  admin = await KubeClient.fromFile(plane.kubeconfigPath);
  // Every CRD of every dialect, as a cluster with all those tools' CRDs installed has them.
  await installCrds(admin, pino({ level: "silent" }), knownDialects.flatMap((d) => d.customResourceTypes ?? []), true);
});

after(async () => {
  admin?.close();
  await plane?.down();
});

/** Resources of the parts that the first Ferry runs without. */
const offResources = ["registrycredentials", "serviceaccounts", "resourcedistributions", "templates", "templategroupinstances", "templateinstances"];

/** Runs `ferry run` with `args` until it is ready, and returns the collections it listed or watched meanwhile. */
async function watchedBy(args: string[]): Promise<Set<string>> {
  const namespace = uniqueName("ferry");
  await admin.request("POST", "/api/v1/namespaces", { body: { metadata: { name: namespace } } });
  const marker = (events: AuditEvent[]) => events.find((e) => e.verb === "create" && e.objectRef?.resource === "namespaces" && e.objectRef.name === namespace);
  // The admin's name, from the test's own request: Ferry runs with the same kubeconfig.
  const created = await waitFor(() => marker(plane.auditEvents()), { timeoutMs: 10_000, description: "the namespace's creation in the audit log" });
  const ferry = await startFerryProcess(plane.kubeconfigPath, join(plane.dir, `${namespace}.log`), ["--ferry-namespace", namespace, "--cluster-name", "local", ...args]);
  await ferry.kill("SIGTERM");
  const events = plane.auditEvents();
  const start = events.indexOf(marker(events)!);
  return new Set(
    events
      .slice(start + 1)
      .filter((e) => e.user.username === created.user.username && (e.verb === "list" || e.verb === "watch"))
      .map((e) => `${e.verb} ${e.objectRef?.resource ?? ""}`),
  );
}

test("--no-registry and --dialects native: no list or watch of the registry's or other dialects' resources", async () => {
  const off = await watchedBy(["--no-registry", "--dialects", "native"]);
  // The log saw this Ferry's watches (the control within the run)...
  for (const collection of ["list namespaces", "watch namespaces", "list secrets", "watch distributions", "watch clusterdistributions"]) {
    assert.ok(off.has(collection), `${collection} is in the audit log: ${[...off].sort().join(", ")}`);
  }
  // ...and none of the parts that are off.
  const opened = [...off].filter((collection) => offResources.includes(collection.split(" ")[1]!));
  assert.deepEqual(opened, [], "a part that is off opens no watch");

  // The same Ferry with everything on lists and watches them all: the observation has teeth.
  const on = await watchedBy([]);
  for (const resource of offResources) assert.ok(on.has(`watch ${resource}`), `watch ${resource} with everything on: ${[...on].sort().join(", ")}`);
});
