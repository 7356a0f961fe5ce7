// Ferry's client on the real control plane: it says who writes (field manager and User-Agent),
// honours a kubeconfig cluster's proxy-url (HTTP CONNECT and SOCKS5, through real local proxies
// that alone can resolve the server's name), and opens new TLS connections when an exec plugin
// hands out a new client certificate.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { repositoryRoot } from "../../src/controlplane/build.js";
import { createControlPlanePki } from "../../src/controlplane/pki.js";
import { ApiError, KubeClient, userAgent } from "../../src/kube/client.js";
import type { KubeObject } from "../../src/kube/informer.js";
import { waitFor } from "../../src/util/wait-for.js";
import { chartClient } from "../support/chart-identity.js";
import { adminClient, createNamespace } from "../support/cluster.js";
import { startConnectProxy } from "../support/connect-proxy.js";
import { createSecret, installTestCrds, patchObject, recordSecretValues, startTestFerry, unb64, waitForObject } from "../support/ferry.js";
import { execUser, kubeConfigVariant } from "../support/kubeconfig-variant.js";
import { startSocksProxy } from "../support/socks-proxy.js";

/** A name in the apiserver's certificate that does not resolve here: only the proxies map it. */
const proxiedHost = "kubernetes.default.svc";
const hosts = { [proxiedHost]: "127.0.0.1" };

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

  const packageVersion = (JSON.parse(readFileSync(join(repositoryRoot(), "package.json"), "utf8")) as { version: string }).version;
  assert.equal(userAgent(), `ferry/${packageVersion} (node ${process.version}; ${process.platform}/${process.arch})`);
  // A write that leaves the manager to the apiserver gets the User-Agent's product name.
  const admin = await adminClient();
  const unnamed = await admin.request<Managed>("POST", `/api/v1/namespaces/${source}/configmaps`, { query: { fieldManager: "" }, body: { metadata: { name: "unnamed" }, data: { a: "b" } } });
  assert.deepEqual(unnamed.metadata.managedFields?.map((entry) => entry.manager), ["ferry"]);
  const own = await admin.request<Managed>("POST", `/api/v1/namespaces/${source}/configmaps`, { query: { fieldManager: "installer" }, body: { metadata: { name: "own" }, data: { a: "b" } } });
  assert.deepEqual(own.metadata.managedFields?.map((entry) => entry.manager), ["installer"], "a caller's own field manager wins");
});

test("a kubeconfig proxy-url (HTTP CONNECT) carries Ferry's traffic: it distributes through the proxy", async (t) => {
  const proxy = await startConnectProxy(hosts);
  t.after(() => proxy.close());
  const identity = await chartClient();
  const direct = await KubeClient.create(kubeConfigVariant(identity, { serverHost: proxiedHost }));
  t.after(() => direct.close());
  await assert.rejects(direct.get("/version", { timeoutMs: 10_000 }), (error: ApiError) => error.status === 0, "without the proxy the server name does not resolve");

  const client = await KubeClient.create(kubeConfigVariant(identity, { serverHost: proxiedHost, proxyUrl: proxy.url }));
  t.after(() => client.close());
  await installTestCrds();
  const source = await createNamespace(t, "proxy-src");
  const target = await createNamespace(t, "proxy-dst");
  await startTestFerry(t, { client, installCrds: false });
  await createSecret(source, "through", { token: "proxied-secret-1" }, { annotations: { "ferry.dev/sync-to": target } });
  await waitForObject("Secret", target, "through");
  recordSecretValues(["proxied-secret-2"]);
  await patchObject("Secret", source, "through", { data: { token: Buffer.from("proxied-secret-2").toString("base64") } });
  await waitForObject("Secret", target, "through", (copy) => unb64((copy as { data?: Record<string, string> }).data?.token) === "proxied-secret-2");
  assert.ok(proxy.opened >= 1, `the proxy tunnelled Ferry's connections (${proxy.opened})`);
});

test("a socks5h proxy-url carries requests and watches", async (t) => {
  const proxy = await startSocksProxy(hosts);
  t.after(() => proxy.close());
  const namespace = await createNamespace(t, "socks");
  const client = await KubeClient.create(kubeConfigVariant(await adminClient(), { serverHost: proxiedHost, proxyUrl: proxy.url }));
  t.after(() => client.close());
  const seen: string[] = [];
  const abort = new AbortController();
  t.after(() => abort.abort());
  const watch = client
    .stream(`/api/v1/namespaces/${namespace}/configmaps`, { query: { watch: true }, signal: abort.signal }, (event) => {
      seen.push((event as { object: KubeObject }).object.metadata.name);
    })
    .catch(() => undefined);
  await waitFor(() => proxy.opened >= 1, { timeoutMs: 10_000, description: "the watch's tunnel" });
  await client.request("POST", `/api/v1/namespaces/${namespace}/configmaps`, { body: { metadata: { name: "via-socks" } } });
  await waitFor(() => seen.includes("via-socks"), { timeoutMs: 10_000, description: "the watch event through the proxy" });
  assert.ok(proxy.opened >= 2, "the write and the watch each had a tunnel");
  abort.abort();
  await watch;
});

test("a new client certificate from an exec plugin opens new TLS connections and closes the old ones", async (t) => {
  const proxy = await startConnectProxy(hosts);
  t.after(() => proxy.close());
  const admin = await adminClient();
  await chartClient();
  const token = await admin.request<{ status: { token: string } }>("POST", "/api/v1/namespaces/ferry-system/serviceaccounts/ferry-chart-identity/token", {
    body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: 600 } },
  });
  // Two distinct client certificates (the apiserver does not trust their CA: the token authenticates).
  const dir = mkdtempSync(join(tmpdir(), "ferry-exec-cert-"));
  const credential = (certificate: { certPem: string; keyPem: string }, expiresInSeconds: number) =>
    JSON.stringify({
      apiVersion: "client.authentication.k8s.io/v1",
      kind: "ExecCredential",
      status: { token: token.status.token, clientCertificateData: certificate.certPem, clientKeyData: certificate.keyPem, expirationTimestamp: new Date(Date.now() + expiresInSeconds * 1000).toISOString() },
    });
  const [first, second] = [createControlPlanePki("10.96.0.1").admin, createControlPlanePki("10.96.0.1").admin];
  writeFileSync(join(dir, "credential-1.json"), credential(first, 6));
  writeFileSync(join(dir, "credential-2.json"), credential(second, 3600));

  const client = await KubeClient.create(
    kubeConfigVariant(admin, { serverHost: proxiedHost, proxyUrl: proxy.url, user: execUser("./exec-file-plugin.ts", { FERRY_PLUGIN_DIR: dir }) }),
  );
  t.after(() => client.close());
  for (let i = 0; i < 3; i++) await client.get("/api/v1/namespaces/ferry-system/secrets", { query: { limit: 1 } });
  assert.equal(proxy.opened, 1, "one pooled connection with the first certificate");

  await waitFor(() => client.execPluginRuns >= 2, { timeoutMs: 30_000, description: "the plugin to run again before the first credential expires" });
  for (let i = 0; i < 3; i++) await client.get("/api/v1/namespaces/ferry-system/secrets", { query: { limit: 1 } });
  assert.equal(proxy.opened, 2, "one new pooled connection with the second certificate");
  await waitFor(() => proxy.open === 1, { timeoutMs: 10_000, description: "the first certificate's idle connection to close" });
});
