// The foundation: the local control plane behaves like a real cluster.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { LocalControlPlane } from "../../src/controlplane/local-control-plane.js";
import { KubeClient, isApiError } from "../../src/kube/client.js";
import { waitFor } from "../../src/util/wait-for.js";
import { adminClient, createNamespace, sharedControlPlane, tokenClient, uniqueName } from "../support/cluster.js";

const run = promisify(execFile);

test("the admin kubeconfig works and reports the pinned Kubernetes version", async () => {
  const kube = await adminClient();
  const version = await kube.get<{ gitVersion: string }>("/version");
  assert.match(version.gitVersion, /^v1\.\d+\.\d+$/);
  const namespaces = await kube.get<{ items: Array<{ metadata: { name: string } }> }>("/api/v1/namespaces");
  const names = namespaces.items.map((item) => item.metadata.name);
  for (const expected of ["default", "kube-system", "kube-public", "kube-node-lease"]) assert.ok(names.includes(expected), expected);
});

test("kubectl works against the written kubeconfig", async () => {
  const { stdout } = await run("kubectl", ["--kubeconfig", sharedControlPlane().kubeconfigPath, "get", "namespaces", "-o", "name"]);
  assert.match(stdout, /namespace\/kube-system/);
});

test("a new namespace gets its default ServiceAccount", async (t) => {
  const kube = await adminClient();
  const ns = await createNamespace(t, "sa");
  const account = await waitFor(() => kube.getOptional<{ metadata: { name: string } }>(`/api/v1/namespaces/${ns}/serviceaccounts/default`), {
    timeoutMs: 30_000,
    description: "default ServiceAccount",
  });
  assert.equal(account.metadata.name, "default");
});

test("deleting a namespace with content completes", async () => {
  const kube = await adminClient();
  const ns = await createNamespace(undefined, "gone");
  await kube.request("POST", `/api/v1/namespaces/${ns}/configmaps`, { body: { metadata: { name: "c" }, data: { a: "b" } } });
  await kube.request("DELETE", `/api/v1/namespaces/${ns}`);
  await waitFor(async () => (await kube.getOptional(`/api/v1/namespaces/${ns}`)) === undefined, {
    timeoutMs: 60_000,
    description: `namespace ${ns} to disappear`,
  });
});

test("a TokenRequest token is accepted and RBAC denies what it was not granted", async (t) => {
  const kube = await adminClient();
  const ns = await createNamespace(t, "rbac");
  const other = await createNamespace(t, "rbac-other");
  await kube.request("POST", `/api/v1/namespaces/${ns}/serviceaccounts`, { body: { metadata: { name: "reader" } } });
  await kube.request("POST", `/api/v1/namespaces/${ns}/configmaps`, { body: { metadata: { name: "visible" }, data: { k: "v" } } });
  await kube.request("POST", `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`, {
    body: { metadata: { name: "read-configmaps" }, rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list"] }] },
  });
  await kube.request("POST", `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, {
    body: {
      metadata: { name: "reader" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "read-configmaps" },
      subjects: [{ kind: "ServiceAccount", name: "reader", namespace: ns }],
    },
  });
  const tokenRequest = await kube.request<{ status: { token: string } }>("POST", `/api/v1/namespaces/${ns}/serviceaccounts/reader/token`, {
    body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: 600 } },
  });
  const reader = await tokenClient(kube, tokenRequest.status.token);
  const review = await reader.request<{ status: { userInfo: { username: string } } }>(
    "POST",
    "/apis/authentication.k8s.io/v1/selfsubjectreviews",
    { body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" } },
  );
  assert.equal(review.status.userInfo.username, `system:serviceaccount:${ns}:reader`);
  const visible = await waitFor(() => reader.getOptional<{ data: Record<string, string> }>(`/api/v1/namespaces/${ns}/configmaps/visible`), {
    timeoutMs: 10_000,
    description: "RBAC grant to take effect",
  });
  assert.deepEqual(visible.data, { k: "v" });
  await assert.rejects(reader.get(`/api/v1/namespaces/${ns}/secrets`), (error: unknown) => isApiError(error, 403));
  await assert.rejects(reader.get(`/api/v1/namespaces/${other}/configmaps`), (error: unknown) => isApiError(error, 403));
  await assert.rejects(
    reader.request("POST", `/api/v1/namespaces/${ns}/configmaps`, { body: { metadata: { name: "nope" } } }),
    (error: unknown) => isApiError(error, 403),
  );
  reader.close();
});

test("after an apiserver restart and an etcd restart the client works again and data is intact", async (t) => {
  // A dedicated control plane, so restarting it does not disturb other tests.
  const plane = await LocalControlPlane.up({ dir: mkdtempSync(join(tmpdir(), "ferry-restart-")) });
  t.after(() => plane.down());
  const kube = await KubeClient.fromFile(plane.kubeconfigPath);
  t.after(() => kube.close());
  const ns = uniqueName("restart");
  await kube.request("POST", "/api/v1/namespaces", { body: { metadata: { name: ns } } });
  await kube.request("POST", `/api/v1/namespaces/${ns}/secrets`, {
    body: { metadata: { name: "keep" }, type: "Opaque", data: { token: Buffer.from("intact").toString("base64") } },
  });
  const readBack = async () => {
    const secret = await kube.get<{ data: Record<string, string> }>(`/api/v1/namespaces/${ns}/secrets/keep`);
    return Buffer.from(secret.data.token!, "base64").toString();
  };

  await plane.restartApiserver();
  assert.equal(await waitFor(readBack, { timeoutMs: 30_000, description: "read after apiserver restart" }), "intact");

  await plane.restartEtcd();
  assert.equal(await waitFor(readBack, { timeoutMs: 30_000, description: "read after etcd restart" }), "intact");
  await waitFor(
    async () => {
      await kube.request("PUT", `/api/v1/namespaces/${ns}/secrets/keep`, {
        body: { metadata: { name: "keep" }, type: "Opaque", data: { token: Buffer.from("changed").toString("base64") } },
      });
      return true;
    },
    { timeoutMs: 30_000, description: "write after etcd restart" },
  );
  assert.equal(await readBack(), "changed");
  assert.deepEqual(plane.running(), ["etcd", "apiserver", "controllerManager"]);
});

test("the apiserver's /metrics counts requests by verb and resource", async () => {
  const plane = sharedControlPlane();
  const kube = await adminClient();
  const ns = await createNamespace(undefined, "metrics");
  const count = async () => {
    const text = await plane.apiserverMetrics();
    return text
      .split("\n")
      .filter((line) => line.startsWith("apiserver_request_total{") && line.includes('resource="configmaps"') && line.includes('verb="POST"'))
      .reduce((sum, line) => sum + Number(line.split(" ").pop()), 0);
  };
  // The controller manager writes the namespace's root CA ConfigMap itself: let it finish first.
  await waitFor(() => kube.getOptional(`/api/v1/namespaces/${ns}/configmaps/kube-root-ca.crt`), { timeoutMs: 30_000, description: "kube-root-ca.crt" });
  const before = await count();
  for (let i = 0; i < 3; i++) {
    await kube.request("POST", `/api/v1/namespaces/${ns}/configmaps`, { body: { metadata: { name: `m${i}` } } });
  }
  assert.equal((await count()) - before, 3);
  await kube.request("DELETE", `/api/v1/namespaces/${ns}`);
});
