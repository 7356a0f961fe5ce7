// A generated Secret whose credential is gone is deleted once, through the executor's deduped,
// re-checked delete, not again on every change in Ferry's namespace (issue 17: the registry
// controller used to delete on every resync, and every Secret change there caused one).
import assert from "node:assert/strict";
import { test } from "node:test";
import { KubeClient } from "../../../src/kube/client.js";
import type { KubeObject } from "../../../src/kube/informer.js";
import { CREDENTIAL_ID_ANNOTATION, GENERATED_LABEL } from "../../../src/registry/controller.js";
import { waitFor } from "../../../src/util/wait-for.js";
import { sharedControlPlane } from "../../support/cluster.js";
import { b64, createSecret, getObject, patchObject } from "../../support/ferry.js";
import { logins, startRegistryFixture } from "./support.js";

test("a stale generated Secret held by a finalizer is deleted once, however often Ferry's namespace changes", async (t) => {
  const deletes: string[] = [];
  const counting = await KubeClient.fromFile(sharedControlPlane().kubeconfigPath, { onRequest: (method, path) => void (method === "DELETE" && deletes.push(path)) });
  t.after(() => counting.close());
  const fixture = await startRegistryFixture(t, { registry: { client: counting } });
  const ns = fixture.ferryNamespace;
  await fixture.admin.request("POST", `/api/v1/namespaces/${ns}/secrets`, {
    body: { metadata: { name: "stale", labels: { [GENERATED_LABEL]: "true" }, annotations: { [CREDENTIAL_ID_ANNOTATION]: "RegistryCredential/gone" }, finalizers: ["example.com/hold"] }, data: {} },
  });
  t.after(() => patchObject("Secret", ns, "stale", { metadata: { finalizers: null } }).catch(() => undefined));
  await waitFor(async () => (await getObject("Secret", ns, "stale"))?.metadata.deletionTimestamp, { timeoutMs: 30_000, description: "the stale Secret to be deleted" });
  // Three changes in Ferry's namespace, each one seen through (the generated Secret follows it).
  await createSecret(ns, "registry-creds-dockerhub", { DOCKER_USER: "user", DOCKER_PASSWORD: "password-0" });
  for (const round of [0, 1, 2]) {
    if (round > 0) await patchObject("Secret", ns, "registry-creds-dockerhub", { data: { DOCKER_PASSWORD: b64(`password-${round}`) } });
    await waitFor(async () => logins(await getObject("Secret", ns, "dockerhub-secret"))["https://index.docker.io/v1/"]?.password === `password-${round}`, {
      timeoutMs: 30_000,
      description: `the generated Secret with password-${round}`,
    });
  }
  const stale = deletes.filter((path) => path.endsWith(`/namespaces/${ns}/secrets/stale`));
  assert.equal(stale.length, 1, `DELETE ${ns}/stale was sent ${stale.length} times`);
  const object = (await getObject("Secret", ns, "stale")) as KubeObject;
  assert.ok(object.metadata.deletionTimestamp, "still held by its finalizer");
});
