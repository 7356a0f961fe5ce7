// Ferry's client on the real control plane: it says who writes (field manager and User-Agent).
import assert from "node:assert/strict";
import { test } from "node:test";
import { userAgent } from "../../src/kube/client.js";
import type { KubeObject } from "../../src/kube/informer.js";
import { ferryVersion } from "../../src/util/ferry-version.js";
import { adminClient, createNamespace } from "../support/cluster.js";
import { createSecret, startTestFerry, waitForObject } from "../support/ferry.js";

interface Managed extends KubeObject {
  metadata: KubeObject["metadata"] & { managedFields?: Array<{ manager: string; operation: string }> };
}

test("Ferry's writes name it: its copies are managed by field manager ferry, its User-Agent is ferry/<version>", async (t) => {
  const source = await createNamespace(t, "fm-src");
  const target = await createNamespace(t, "fm-dst");
  await startTestFerry(t);
  await createSecret(source, "db", { password: "field-manager-pw" }, { annotations: { "ferry.dev/sync-to": target } });
  const copy = (await waitForObject("Secret", target, "db")) as Managed;
  assert.deepEqual(
    copy.metadata.managedFields?.map((entry) => entry.manager),
    ["ferry"],
  );

  assert.equal(userAgent(), `ferry/${ferryVersion()} (node ${process.version}; ${process.platform}/${process.arch})`);
  // A write that leaves the manager to the apiserver gets the User-Agent's product name.
  const admin = await adminClient();
  const unnamed = await admin.request<Managed>("POST", `/api/v1/namespaces/${source}/configmaps`, { query: { fieldManager: "" }, body: { metadata: { name: "unnamed" }, data: { a: "b" } } });
  assert.deepEqual(unnamed.metadata.managedFields?.map((entry) => entry.manager), ["ferry"]);
  const own = await admin.request<Managed>("POST", `/api/v1/namespaces/${source}/configmaps`, { query: { fieldManager: "installer" }, body: { metadata: { name: "own" }, data: { a: "b" } } });
  assert.deepEqual(own.metadata.managedFields?.map((entry) => entry.manager), ["installer"], "a caller's own field manager wins");
});
