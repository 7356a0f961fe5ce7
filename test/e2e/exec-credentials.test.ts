// Exec credential plugins whose credentials expire: Ferry runs the plugin again before each
// expiry it claims, and keeps distributing. The plugin (test/support/exec-token-plugin.ts) hands
// out real ServiceAccount tokens of the chart's identity that claim a 20 s life; each token is bound
// to its own Secret, and this test deletes that Secret once the claimed expiry has passed, so a
// token really stops working when it says it does.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { KubeClient } from "../../src/kube/client.js";
import type { KubeObject } from "../../src/kube/informer.js";
import { waitFor } from "../../src/util/wait-for.js";
import { chartClient } from "../support/chart-identity.js";
import { adminClient, createNamespace, sharedControlPlane } from "../support/cluster.js";
import { b64, createSecret, installTestCrds, patchObject, recordSecretValues, startTestFerry, unb64, waitForObject } from "../support/ferry.js";
import { execUser, kubeConfigVariant } from "../support/kubeconfig-variant.js";

const lifetimeSeconds = 20;
const bindingLabel = "test.ferry.dev/exec-binding";
const expiresAnnotation = "test.ferry.dev/expires-at";

interface Mint {
  run: number;
  mintedAt: number;
  expiresAt: number;
  secret: string;
  execInfo: { apiVersion: string; kind: string; spec: { interactive: boolean } };
}

const readMints = (log: string): Mint[] =>
  existsSync(log)
    ? readFileSync(log, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Mint)
    : [];

test("an exec plugin's 20 s tokens are replaced before they expire: Ferry keeps distributing past three expiries", async (t) => {
  const admin = await adminClient();
  const ferryNamespace = await createNamespace(t, "exec-ferry");
  await chartClient(ferryNamespace);
  const source = await createNamespace(t, "exec-src");
  const target = await createNamespace(t, "exec-dst");

  // Expired tokens stop working: their Secrets go once the claimed expiry has passed.
  const revoked = new Set<string>();
  let sweeping = false;
  const sweep = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    void (async () => {
      const list = await admin.get<{ items: KubeObject[] }>(`/api/v1/namespaces/${ferryNamespace}/secrets`, { query: { labelSelector: bindingLabel } });
      for (const secret of list.items) {
        if (Date.parse(secret.metadata.annotations?.[expiresAnnotation] ?? "") > Date.now()) continue;
        await admin.request("DELETE", `/api/v1/namespaces/${ferryNamespace}/secrets/${secret.metadata.name}`);
        revoked.add(secret.metadata.name);
      }
    })()
      .catch(() => undefined)
      .finally(() => (sweeping = false));
  }, 500);
  t.after(() => clearInterval(sweep));

  const plane = sharedControlPlane();
  const log = join(mkdtempSync(join(tmpdir(), "ferry-exec-")), "mints.jsonl");
  const user = execUser("./exec-token-plugin.ts", {
    FERRY_PLUGIN_SERVER: admin.server.origin,
    FERRY_PLUGIN_CA: join(plane.dir, "pki", "ca.crt"),
    FERRY_PLUGIN_CERT: join(plane.dir, "pki", "admin.crt"),
    FERRY_PLUGIN_KEY: join(plane.dir, "pki", "admin.key"),
    FERRY_PLUGIN_NAMESPACE: ferryNamespace,
    FERRY_PLUGIN_SERVICE_ACCOUNT: "ferry-chart-identity",
    FERRY_PLUGIN_LIFETIME_SECONDS: String(lifetimeSeconds),
    FERRY_PLUGIN_LOG: log,
  });
  const client = await KubeClient.create(kubeConfigVariant(admin, { user }));
  t.after(() => client.close());
  await installTestCrds();
  await startTestFerry(t, { client, installCrds: false, namespace: ferryNamespace, registry: false });

  await createSecret(source, "rotating", { value: "exec-first-value" }, { annotations: { "ferry.dev/sync-to": target } });
  await waitForObject("Secret", target, "rotating");

  const mints = await waitFor(
    () => {
      const all = readMints(log);
      const third = all[2];
      return third && all.length >= 4 && Date.now() > third.expiresAt && revoked.has(third.secret) ? all : undefined;
    },
    { timeoutMs: 150_000, description: "three claimed expiries to pass, each token revoked after its own" },
  );
  recordSecretValues(["exec-second-value"]);
  await patchObject("Secret", source, "rotating", { data: { value: b64("exec-second-value") } });
  await waitForObject("Secret", target, "rotating", (copy) => unb64((copy as { data?: Record<string, string> }).data?.value) === "exec-second-value", 30_000);

  for (const [index, mint] of mints.slice(0, -1).entries()) {
    const next = mints[index + 1]!;
    assert.ok(next.mintedAt < mint.expiresAt, `run ${next.run} came before run ${mint.run}'s token expired (${next.mintedAt - mint.expiresAt} ms)`);
  }
  assert.ok(client.execPluginRuns >= 4);
  assert.deepEqual(mints[0]!.execInfo, { apiVersion: "client.authentication.k8s.io/v1", kind: "ExecCredential", spec: { interactive: false } });
});
