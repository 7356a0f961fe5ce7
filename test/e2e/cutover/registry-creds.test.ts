// Cutover from registry-creds (upmc-enterprises/registry-creds v1.10, the seed's tool): it writes
// `dpr-secret` (and its other fixed names) into every namespace with a type and data only, and
// appends the name to the `default` ServiceAccount's imagePullSecrets. Nothing proves those
// Secrets copies: without consent Ferry reports them as conflicts and leaves them alone; with
// `--take-over-unmarked=registry-creds` it takes them over, they follow the registry
// configuration, the ServiceAccount keeps one entry, and removing the configuration prunes them.
// An object carrying another tool's marks is never taken over.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { KubeObject } from "../../../src/kube/informer.js";
import { waitFor } from "../../../src/util/wait-for.js";
import { adminClient, uniqueName } from "../../support/cluster.js";
import { createSecret, deleteObject, getObject, patchObject, startTestFerry } from "../../support/ferry.js";
import { cleanupRegistry, logins, pullSecretNames, serviceAccount } from "../registry/support.js";
import { assertUntouched, b64, layDown, namespacesFor, refusedWithoutConsent, waitForConflict, waitForTookOver, waitPruned, waitTakenOver } from "./support.js";

const TOOL = "registry-creds";
const dockerConfig = (password: string) => JSON.stringify({ auths: { "registry.example.com": { auth: b64(`robot:${password}`) } } });

test("registry-creds cutover: its unmarked Secrets stay conflicts without consent; with --take-over-unmarked=registry-creds they are taken over, rotate, keep one ServiceAccount entry and are pruned", async (t) => {
  const ferryNamespace = uniqueName("ferry");
  const [a, b, marked] = await namespacesFor(t, ["rc-a", "rc-b", "rc-marked"]);
  const admin = await adminClient();
  // registry-creds' Secrets, as its generateSecretObj writes them, and its ServiceAccount patch.
  const upmc = { name: "dpr-secret", type: "kubernetes.io/dockerconfigjson", data: { ".dockerconfigjson": b64(JSON.stringify({ auths: { "registry.example.com": { auth: b64("robot:old-robot-pass"), email: "none" } } })) } };
  const old: KubeObject[] = [];
  for (const namespace of [a, b]) {
    old.push(await layDown("Secret", namespace, upmc, "registry-creds"));
    const account = await waitFor(() => serviceAccount(namespace), { timeoutMs: 30_000, description: `the default ServiceAccount of ${namespace}` });
    await admin.request("PUT", `/api/v1/namespaces/${namespace}/serviceaccounts/default`, { body: { ...account, imagePullSecrets: [{ name: "dpr-secret" }] }, query: { fieldManager: "registry-creds" } });
  }
  const kubed = await layDown("Secret", marked, { ...upmc, labels: { "kubed.appscode.com/origin.name": "dpr-secret", "kubed.appscode.com/origin.namespace": "elsewhere" } }, "config-syncer");

  // Registered before Ferry starts, so it runs before Ferry stops: generated Secrets, copies and entries go.
  t.after(() => cleanupRegistry(ferryNamespace));
  t.after(() => admin.request("DELETE", `/api/v1/namespaces/${ferryNamespace}`).catch(() => undefined));
  const options = { namespace: ferryNamespace, registryEnv: {} };
  await admin.request("POST", "/api/v1/namespaces", { body: { metadata: { name: ferryNamespace } } });
  await createSecret(ferryNamespace, "registry-creds-private", { ".dockerconfigjson": dockerConfig("first-robot-pass") }, { type: "kubernetes.io/dockerconfigjson" });

  await refusedWithoutConsent(t, "registry-creds", old, options);

  const ferry = await startTestFerry(t, { ...options, takeOverUnmarked: ["registry-creds"] });
  for (const namespace of [a, b]) {
    await waitTakenOver("Secret", namespace, "dpr-secret", TOOL, [], (o) => logins(o)["registry.example.com"]?.password === "first-robot-pass");
    assert.deepEqual(pullSecretNames(await serviceAccount(namespace)), ["dpr-secret"], "one entry, not a duplicate");
  }
  await waitForTookOver(ferryNamespace, "dpr-secret", TOOL, `${a}/dpr-secret`);
  await waitForConflict(ferry, marked, "dpr-secret");

  await patchObject("Secret", ferryNamespace, "registry-creds-private", { data: { ".dockerconfigjson": b64(dockerConfig("second-robot-pass")) } });
  for (const namespace of [a, b]) await waitTakenOver("Secret", namespace, "dpr-secret", TOOL, [], (o) => logins(o)["registry.example.com"]?.password === "second-robot-pass");
  await ferry.engine.idle();
  await assertUntouched(kubed, "another tool's marks: consent covers only unmarked objects");

  await deleteObject("Secret", ferryNamespace, "registry-creds-private");
  await waitPruned("Secret", [{ namespace: a, name: "dpr-secret" }, { namespace: b, name: "dpr-secret" }]);
  assert.ok(await getObject("Secret", marked, "dpr-secret"));
  assert.deepEqual(pullSecretNames(await serviceAccount(a)), ["dpr-secret"], "registry-creds' own entry is registry-creds' (docs/migration.md)");
});
