// Watches do not stall: after the apiserver or etcd restarts, Ferry reconnects, reports
// itself unready meanwhile, and picks up changes made afterwards (peers need a restart here).
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { LocalControlPlane } from "../../src/controlplane/local-control-plane.js";
import { KubeClient } from "../../src/kube/client.js";
import { waitFor } from "../../src/util/wait-for.js";
import { uniqueName } from "../support/cluster.js";
import { b64, startTestFerry } from "../support/ferry.js";

test("after an apiserver restart and an etcd restart, watches recover and new namespaces still get copies", async (t) => {
  const plane = await LocalControlPlane.up({ dir: mkdtempSync(join(tmpdir(), "ferry-watch-")) });
  t.after(() => plane.down());
  const kube = await KubeClient.fromFile(plane.kubeconfigPath);
  t.after(() => kube.close());
  const ferry = await startTestFerry(t, { client: kube, silenceTimeoutMs: 30_000 });
  let becameUnready = false;
  const probe = setInterval(() => {
    if (!ferry.engine.isReady()) becameUnready = true;
  }, 20);
  t.after(() => clearInterval(probe));

  const src = uniqueName("src");
  await kube.request("POST", "/api/v1/namespaces", { body: { metadata: { name: src } } });
  await kube.request("POST", `/api/v1/namespaces/${src}/secrets`, {
    body: { metadata: { name: "everywhere", annotations: { "ferry.dev/sync-to": "*" } }, data: { v: b64("1") } },
  });
  const newNamespaceGetsCopy = async (prefix: string) => {
    const ns = uniqueName(prefix);
    await waitFor(
      async () => {
        await kube.request("POST", "/api/v1/namespaces", { body: { metadata: { name: ns } } });
        return true;
      },
      { timeoutMs: 30_000, description: "namespace create" },
    );
    await waitFor(() => kube.getOptional(`/api/v1/namespaces/${ns}/secrets/everywhere`), { timeoutMs: 60_000, description: `copy in ${ns}` });
  };
  await newNamespaceGetsCopy("before");

  await plane.restartApiserver();
  await waitFor(() => ferry.engine.isReady(), { timeoutMs: 60_000, description: "ready after apiserver restart" });
  assert.ok(becameUnready, "readiness went false while the apiserver was down");
  await newNamespaceGetsCopy("after-apiserver");

  await plane.restartEtcd();
  await newNamespaceGetsCopy("after-etcd");
  await waitFor(() => ferry.engine.isReady(), { timeoutMs: 60_000, description: "ready after etcd restart" });
  assert.ok(ferry.engine.watchHealth().every((watch) => watch.healthy));
});
