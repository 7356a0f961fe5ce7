// Refresh before expiry, rotation without restart, provider outage, ServiceAccount patching and
// the ignore annotation, on the real control plane with short fake token lifetimes.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import type { KubeObject } from "../../../src/kube/informer.js";
import { registryCredentialsPath } from "../../../src/registry/crd.js";
import { OWNED_PULL_SECRETS_ANNOTATION } from "../../../src/registry/service-account-patcher.js";
import { waitFor } from "../../../src/util/wait-for.js";
import { adminClient, createNamespace, sharedControlPlane, uniqueName } from "../../support/cluster.js";
import { createSecret, eventsFor, getObject, patchObject, b64, testLogPath, waitForGone, waitForObject } from "../../support/ferry.js";
import { ecrProxyEndpoint, startFakeEcr } from "../../support/fake-providers/ecr.js";
import { makeServiceAccount, startFakeGoogleOAuth } from "../../support/fake-providers/google-oauth.js";
import { logins, pullSecretNames, sameMembers, serviceAccount, startRegistryFixture, waitForPullSecrets } from "./support.js";

/**
 * Cluster-wide LIST requests the apiserver served, by resource: Ferry's informers list their
 * collections across the cluster when they start or relist. (The namespace controller's lists
 * while it deletes other tests' namespaces are namespace-scoped.)
 */
async function apiserverLists(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const line of (await sharedControlPlane().apiserverMetrics()).split("\n")) {
    if (!line.startsWith("apiserver_request_total{") || !line.includes('verb="LIST"') || !line.includes('scope="cluster"')) continue;
    const resource = /resource="([^"]*)"/.exec(line)?.[1] ?? "";
    if (!["secrets", "configmaps", "namespaces", "serviceaccounts", "registrycredentials"].includes(resource)) continue;
    counts[resource] = (counts[resource] ?? 0) + Number(line.split(" ").pop());
  }
  return counts;
}

type Status = { conditions?: Array<{ type: string; status: string; reason: string; message: string }>; expiresAt?: string; lastError?: string };
const condition = (status: Status | undefined, type: string) => status?.conditions?.find((c) => c.type === type);

test("short-lived (10 s) ECR and Google tokens are refreshed before they expire, and copies follow", async (t) => {
  const ecr = await startFakeEcr({ lifetimeSeconds: 10 });
  t.after(() => ecr.stop());
  const account = makeServiceAccount("short");
  const google = await startFakeGoogleOAuth([account], { lifetimeSeconds: 10 });
  t.after(() => google.stop());
  const fixture = await startRegistryFixture(t, { env: { awsaccount: "123456789012", AWS_ENDPOINT_URL_ECR: ecr.url } });
  const ns = fixture.ferryNamespace;
  await createSecret(ns, "registry-creds-ecr", { AWS_ACCESS_KEY_ID: "AKIAREFRESH", AWS_SECRET_ACCESS_KEY: "refresh-secret" });
  await createSecret(ns, "registry-creds-gcr", { "application_default_credentials.json": account.json(google.tokenUri) });
  const target = await createNamespace(t, "refresh");
  const endpoint = ecrProxyEndpoint("123456789012", "us-east-1");
  for (const [name, registry, current] of [
    ["awsecr-cred", endpoint, () => ecr.issued],
    ["gcr-secret", "https://gcr.io", () => google.issued],
  ] as const) {
    const first = await waitForObject("Secret", target, name, (o) => logins(o)[registry] !== undefined);
    const firstPassword = logins(first)[registry]!.password;
    const firstExpiry = Date.parse((await getObject("Secret", ns, name))!.metadata.annotations!["ferry.dev/registry-credential-expires-at"]!);
    assert.ok(firstExpiry > Date.now() && firstExpiry - Date.now() <= 10_000);
    const second = await waitFor(
      async () => {
        const object = await getObject("Secret", target, name);
        return object && logins(object)[registry]?.password !== firstPassword ? object : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 100, description: `${name} refreshed` },
    );
    assert.ok(Date.now() < firstExpiry, `${name} was refreshed before the old token expired`);
    assert.ok(current().includes(logins(second)[registry]!.password), "the copy carries the newest token");
  }
  const metric = await fixture.metrics.registry.getSingleMetricAsString("ferry_registry_credential_expiry_timestamp_seconds");
  const ecrExpiry = Number(/credential="registry-creds\/ecr"\} (\d+)/.exec(metric)?.[1]);
  assert.ok(ecrExpiry * 1000 > Date.now() - 1_000 && ecrExpiry * 1000 <= Date.now() + 10_000, "the metric holds the current token's expiry");
  const info = fixture.registry.controller.credential("registry-creds/ecr")!;
  assert.ok(info.fetches >= 2 && info.failures === 0);
});

test("rotation without restart: changing registry-creds-dockerhub updates every copy within seconds", async (t) => {
  const fixture = await startRegistryFixture(t);
  const ns = fixture.ferryNamespace;
  await createSecret(ns, "registry-creds-dockerhub", { DOCKER_USER: "rotator", DOCKER_PASSWORD: "before-rotation" });
  const targets = [await createNamespace(t, "rot-a"), await createNamespace(t, "rot-b"), await createNamespace(t, "rot-c")];
  const hub = "https://index.docker.io/v1/";
  for (const target of targets) await waitForObject("Secret", target, "dockerhub-secret", (o) => logins(o)[hub]?.password === "before-rotation");
  // What a restart would change: a restarted Ferry (or a restarted watch) lists its collections
  // again, which the apiserver counts; the same watches keep running without one.
  const listsBefore = await apiserverLists();
  assert.ok((listsBefore.secrets ?? 0) > 0 && (listsBefore.namespaces ?? 0) > 0, `the apiserver counts Ferry's lists: ${JSON.stringify(listsBefore)}`);
  const changedAt = Date.now();
  await patchObject("Secret", ns, "registry-creds-dockerhub", { data: { DOCKER_PASSWORD: b64("after-rotation") } });
  for (const target of targets) await waitForObject("Secret", target, "dockerhub-secret", (o) => logins(o)[hub]?.password === "after-rotation", 10_000);
  const took = Date.now() - changedAt;
  assert.ok(took < 5_000, `rotated in ${took} ms`);
  assert.deepEqual(await apiserverLists(), listsBefore, "no restart: nothing was listed again while the credential rotated");
  // Removing the configuration removes the generated Secret, its copies and the ServiceAccount entries.
  await waitForPullSecrets(targets[0]!, (names) => names.includes("dockerhub-secret"));
  await fixture.admin.request("DELETE", `/api/v1/namespaces/${ns}/secrets/registry-creds-dockerhub`);
  for (const target of targets) await waitForGone("Secret", target, "dockerhub-secret");
  await waitForPullSecrets(targets[0]!, (names) => !names.includes("dockerhub-secret"));
});

test("provider outage: the last good credential stays until it expires, with a condition, an Event and backoff; then it recovers", async (t) => {
  const ecr = await startFakeEcr({ lifetimeSeconds: 8 });
  t.after(() => ecr.stop());
  const label = uniqueName("outage");
  const fixture = await startRegistryFixture(t);
  const ns = fixture.ferryNamespace;
  const target = await createNamespace(t, "outage", { [label]: "yes" });
  await createSecret(ns, "outage-keys", { AWS_ACCESS_KEY_ID: "AKIAOUTAGE", AWS_SECRET_ACCESS_KEY: "outage-secret" });
  const name = uniqueName("rc-outage");
  const path = `${registryCredentialsPath}/${name}`;
  await fixture.admin.request("POST", registryCredentialsPath, {
    body: {
      apiVersion: "ferry.dev/v1alpha1",
      kind: "RegistryCredential",
      metadata: { name },
      spec: { provider: "ecr", secretRef: { name: "outage-keys" }, ecr: { accounts: ["123456789012"], endpoint: ecr.url }, targets: { namespaceSelector: { matchLabels: { [label]: "yes" } } } },
    },
  });
  t.after(() => fixture.admin.request("DELETE", path).catch(() => undefined));
  const endpoint = ecrProxyEndpoint("123456789012", "us-east-1");
  const good = logins(await waitForObject("Secret", target, name, (o) => logins(o)[endpoint] !== undefined))[endpoint]!.password;
  ecr.failing = true;
  const callsAtOutage = ecr.calls.length;
  const degraded = await waitFor(
    async () => {
      const status = (await fixture.admin.getOptional<KubeObject>(path))?.status as Status | undefined;
      return condition(status, "Degraded")?.status === "True" ? status : undefined;
    },
    { timeoutMs: 15_000, description: "Degraded condition" },
  );
  assert.equal(condition(degraded, "Ready")?.status, "True", "the last good credential is still valid");
  assert.match(degraded!.lastError!, /fake ECR outage/);
  const events = await waitFor(async () => (await eventsFor("default", name)).filter((e) => e.reason === "RefreshFailed").at(0), { timeoutMs: 10_000, description: "RefreshFailed Event" });
  assert.equal(events.type, "Warning");
  assert.match(events.message, /keeping the last good credential until/);
  assert.equal(logins(await getObject("Secret", target, name))[endpoint]!.password, good, "the copy keeps the last good credential");
  // After expiry: Ready False (Expired), the Secret is kept, retries go on with backoff.
  const expired = await waitFor(
    async () => {
      const status = (await fixture.admin.getOptional<KubeObject>(path))?.status as Status | undefined;
      return condition(status, "Ready")?.reason === "Expired" ? status : undefined;
    },
    { timeoutMs: 20_000, description: "Expired" },
  );
  assert.equal(condition(expired, "Ready")?.status, "False");
  assert.ok(await getObject("Secret", target, name), "the expired copy is not deleted");
  const retries = ecr.calls.length - callsAtOutage;
  assert.ok(retries >= 2 && retries < 60, `bounded retries with backoff (${retries})`);
  ecr.failing = false;
  await waitForObject("Secret", target, name, (o) => logins(o)[endpoint]?.password !== good, 15_000);
  await waitFor(
    async () => {
      const status = (await fixture.admin.getOptional<KubeObject>(path))?.status as Status | undefined;
      return condition(status, "Ready")?.status === "True" && condition(status, "Degraded")?.status === "False" && status?.lastError === undefined && status?.expiresAt !== undefined;
    },
    { timeoutMs: 15_000, description: "recovery" },
  );
  // No credential value in Events, status, metrics or logs.
  const values = ["outage-secret", ...ecr.issued];
  const seen = [
    JSON.stringify(await eventsFor("default", name)),
    JSON.stringify((await fixture.admin.get<KubeObject>(path)).status),
    await fixture.metrics.registry.metrics(),
    readFileSync(testLogPath(), "utf8"),
  ].join("\n");
  for (const value of values) assert.ok(!seen.includes(value), "a credential value leaked");
});

test("ServiceAccounts: user entries kept, no duplicates, late ServiceAccounts patched, only Ferry's entry removed; registry-creds/ignore gets nothing", async (t) => {
  const fixture = await startRegistryFixture(t);
  const ns = fixture.ferryNamespace;
  const admin = await adminClient();
  const kept = await createNamespace(t, "sa-keep");
  const ignored = await createNamespace(t, "sa-ignored");
  await admin.request("PATCH", `/api/v1/namespaces/${ignored}`, { body: { metadata: { annotations: { "registry-creds/ignore": "true" } } }, contentType: "application/merge-patch+json" });
  // A user entry, and the same name as Ferry's copy already listed by hand in another namespace.
  await waitFor(() => serviceAccount(kept), { timeoutMs: 30_000, description: "default ServiceAccount" });
  await admin.request("PATCH", `/api/v1/namespaces/${kept}/serviceaccounts/default`, { body: { imagePullSecrets: [{ name: "users-own" }] }, contentType: "application/merge-patch+json" });
  const preset = await createNamespace(t, "sa-preset");
  await waitFor(() => serviceAccount(preset), { timeoutMs: 30_000, description: "default ServiceAccount" });
  await admin.request("PATCH", `/api/v1/namespaces/${preset}/serviceaccounts/default`, { body: { imagePullSecrets: [{ name: "dockerhub-secret" }] }, contentType: "application/merge-patch+json" });

  await createSecret(ns, "registry-creds-dockerhub", { DOCKER_USER: "sa-user", DOCKER_PASSWORD: "sa-password" });
  await createSecret(ns, "registry-creds-acr", { ACR_URL: "sa.azurecr.io", ACR_CLIENT_ID: "sa-app", ACR_PASSWORD: "sa-acr-secret" });
  // The user's entry stays first; Ferry's two follow in whichever order their copies appeared.
  const keptNames = await waitForPullSecrets(kept, (names) => names.length === 3);
  assert.equal(keptNames[0], "users-own");
  assert.deepEqual([...keptNames.slice(1)].sort(), ["acr-secret", "dockerhub-secret"]);
  assert.deepEqual(await waitForPullSecrets(preset, (names) => names.includes("acr-secret")), ["dockerhub-secret", "acr-secret"], "no duplicate of a listed name");
  assert.equal((await serviceAccount(preset))!.metadata.annotations?.[OWNED_PULL_SECRETS_ANNOTATION], "acr-secret", "the user's entry stays the user's");

  // A ServiceAccount created after the copy (the copy names "default" only: "other" stays untouched).
  const late = await createNamespace(t, "sa-late");
  await waitForObject("Secret", late, "dockerhub-secret");
  await admin.request("DELETE", `/api/v1/namespaces/${late}/serviceaccounts/default`).catch(() => undefined);
  await waitForPullSecrets(late, (names) => sameMembers(names, ["acr-secret", "dockerhub-secret"]));
  await admin.request("POST", `/api/v1/namespaces/${late}/serviceaccounts`, { body: { metadata: { name: "other" } } });

  // Idempotent: a user edit elsewhere on the ServiceAccount neither duplicates nor drops entries,
  // and Ferry does not write it again. Once the patcher's watch has seen the edit and its queue is
  // idle, the ServiceAccount is exactly as the user left it.
  const patcher = fixture.registry.patcher!;
  const patchesBefore = patcher.patches;
  const edited = await admin.request<KubeObject>("PATCH", `/api/v1/namespaces/${kept}/serviceaccounts/default`, {
    body: { metadata: { labels: { touched: "yes" } } },
    contentType: "application/merge-patch+json",
  });
  await waitFor(() => patcher.accounts.store.get(`${kept}/default`)?.resourceVersion === edited.metadata.resourceVersion, { timeoutMs: 10_000, description: "the patcher sees the edit" });
  await patcher.idle();
  assert.equal(patcher.patches, patchesBefore, "the edit caused no write");
  const afterEdit = await serviceAccount(kept);
  assert.equal(afterEdit!.metadata.resourceVersion, edited.metadata.resourceVersion);
  assert.deepEqual(pullSecretNames(afterEdit), keptNames, "same entries, same order, no duplicate");

  // The namespace leaves the selection (annotated ignore): copies go, Ferry's entries go, the user's stays.
  await admin.request("PATCH", `/api/v1/namespaces/${kept}`, { body: { metadata: { annotations: { "registry-creds/ignore": "true" } } }, contentType: "application/merge-patch+json" });
  await waitForGone("Secret", kept, "dockerhub-secret");
  await waitForGone("Secret", kept, "acr-secret");
  assert.deepEqual(await waitForPullSecrets(kept, (names) => names.length === 1), ["users-own"]);
  assert.equal((await serviceAccount(kept))!.metadata.annotations?.[OWNED_PULL_SECRETS_ANNOTATION], undefined);

  // The rule goes (configuration removed): only Ferry's entry is removed where the user had listed the name too.
  await admin.request("DELETE", `/api/v1/namespaces/${ns}/secrets/registry-creds-acr`);
  await waitForGone("Secret", preset, "acr-secret");
  assert.deepEqual(await waitForPullSecrets(preset, (names) => !names.includes("acr-secret")), ["dockerhub-secret"]);

  // The ignored namespace never got a Secret or an entry; "other" in the late namespace neither.
  for (const name of ["dockerhub-secret", "acr-secret"]) assert.equal(await getObject("Secret", ignored, name), undefined);
  assert.deepEqual(pullSecretNames(await serviceAccount(ignored)), []);
  assert.deepEqual(pullSecretNames(await serviceAccount(late, "other")), []);
  const kinds = pullSecretNames(await serviceAccount(late));
  assert.equal(new Set(kinds).size, kinds.length, "no duplicates");
});
