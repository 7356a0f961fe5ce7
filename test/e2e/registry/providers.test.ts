// Every provider end to end on the real control plane, against local servers that speak the
// providers' real API shapes: registry-creds compatible configuration and RegistryCredential.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { KubeObject } from "../../../src/kube/informer.js";
import { registryCredentialsPath } from "../../../src/registry/crd.js";
import { waitFor } from "../../../src/util/wait-for.js";
import { createNamespace } from "../../support/cluster.js";
import { createSecret, getObject, waitForObject } from "../../support/ferry.js";
import { ecrProxyEndpoint, startFakeEcr } from "../../support/fake-providers/ecr.js";
import { makeServiceAccount, startFakeGoogleOAuth } from "../../support/fake-providers/google-oauth.js";
import { logins, sameMembers, startRegistryFixture, waitForPullSecrets } from "./support.js";

const privateConfig = JSON.stringify({ auths: { "registry.example.com": { auth: Buffer.from("robot:robot-pass").toString("base64") } } });

test("registry-creds compatible: Docker Hub, ECR, GCR, ACR and a private registry from the registry-creds-* Secrets reach every namespace and its default ServiceAccount", async (t) => {
  const ecr = await startFakeEcr();
  t.after(() => ecr.stop());
  const account = makeServiceAccount("gcr-puller");
  const google = await startFakeGoogleOAuth([account]);
  t.after(() => google.stop());
  const env = { awsaccount: "123456789012", awsregion: "us-east-1", AWS_ENDPOINT_URL_ECR: ecr.url, GCR_URL: "https://gcr.io" };
  const early = await createNamespace(t, "early");
  const fixture = await startRegistryFixture(t, { env });
  const ns = fixture.ferryNamespace;
  await createSecret(ns, "registry-creds-dockerhub", { DOCKER_USER: "hubuser", DOCKER_PASSWORD: "hub-password" });
  await createSecret(ns, "registry-creds-ecr", { AWS_ACCESS_KEY_ID: "AKIAFERRYTEST", AWS_SECRET_ACCESS_KEY: "ecr-secret-key" });
  await createSecret(ns, "registry-creds-gcr", { "application_default_credentials.json": account.json(google.tokenUri) });
  await createSecret(ns, "registry-creds-acr", { ACR_URL: "ferrytest.azurecr.io", ACR_CLIENT_ID: "sp-app-id", ACR_PASSWORD: "sp-client-secret" });
  await createSecret(ns, "registry-creds-private", { ".dockerconfigjson": privateConfig }, { type: "kubernetes.io/dockerconfigjson" });
  const late = await createNamespace(t, "late");

  for (const target of [early, late]) {
    const hub = await waitForObject("Secret", target, "dockerhub-secret");
    assert.equal(hub.type, "kubernetes.io/dockerconfigjson");
    assert.deepEqual(logins(hub), { "https://index.docker.io/v1/": { username: "hubuser", password: "hub-password" } });
    const aws = await waitForObject("Secret", target, "awsecr-cred");
    const endpoint = ecrProxyEndpoint("123456789012", "us-east-1");
    assert.deepEqual(logins(aws), { [endpoint]: { username: "AWS", password: ecr.latest("123456789012", "us-east-1")! } });
    const gcr = await waitForObject("Secret", target, "gcr-secret");
    assert.deepEqual(logins(gcr), { "https://gcr.io": { username: "oauth2accesstoken", password: google.issued.at(-1)! } });
    const acr = await waitForObject("Secret", target, "acr-secret");
    assert.deepEqual(logins(acr), { "ferrytest.azurecr.io": { username: "sp-app-id", password: "sp-client-secret" } });
    const dpr = await waitForObject("Secret", target, "dpr-secret");
    assert.deepEqual(logins(dpr), { "registry.example.com": { username: "robot", password: "robot-pass" } });
    await waitForPullSecrets(target, (names) => sameMembers(names, ["acr-secret", "awsecr-cred", "dockerhub-secret", "dpr-secret", "gcr-secret"]));
  }
  // The SDK signed with the static keys from registry-creds-ecr; the token endpoint verified the key's signature.
  assert.ok(ecr.calls.every((call) => call.accessKeyId === "AKIAFERRYTEST" && call.region === "us-east-1" && call.registryIds.join() === "123456789012"));
  assert.equal(google.refused, 0);
  // The expiry of each expiring credential is exported.
  const metric = await fixture.metrics.registry.getSingleMetricAsString("ferry_registry_credential_expiry_timestamp_seconds");
  assert.match(metric, /credential="registry-creds\/ecr"/);
  assert.match(metric, /credential="registry-creds\/google"/);
  assert.doesNotMatch(metric, /credential="registry-creds\/dockerhub"/, "static logins do not expire");
  // Protected namespaces (Ferry's own, kube-system) get nothing.
  assert.equal(await getObject("Secret", "kube-system", "dockerhub-secret"), undefined);
});

test("RegistryCredential: every provider by Secret reference, several ECR accounts and regions, the SDK's default chain, status without values", async (t) => {
  const ecr = await startFakeEcr();
  t.after(() => ecr.stop());
  const account = makeServiceAccount("ar-puller");
  const google = await startFakeGoogleOAuth([account]);
  t.after(() => google.stop());
  // The SDK's default chain: keys from the environment, endpoint from AWS_ENDPOINT_URL_ECR, both read by the SDK itself.
  process.env.AWS_ACCESS_KEY_ID = "AKIADEFAULTCHAIN";
  process.env.AWS_SECRET_ACCESS_KEY = "default-chain-secret";
  process.env.AWS_ENDPOINT_URL_ECR = ecr.url;
  t.after(() => {
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    delete process.env.AWS_ENDPOINT_URL_ECR;
  });
  const label = `pulls-${Date.now()}`;
  const fixture = await startRegistryFixture(t, { env: {} });
  const ns = fixture.ferryNamespace;
  const selected = await createNamespace(t, "sel", { [label]: "yes" });
  const other = await createNamespace(t, "other");
  await createSecret(ns, "ecr-keys", { AWS_ACCESS_KEY_ID: "AKIASTATIC", AWS_SECRET_ACCESS_KEY: "static-secret" });
  await createSecret(ns, "gar-key", { "key.json": account.json(google.tokenUri) });
  await createSecret(ns, "acr-sp", { ACR_CLIENT_ID: "00000000-app", ACR_PASSWORD: "acr-sp-secret" });
  await createSecret(ns, "hub-token", { username: "ferrybot", password: "dckr_pat_fake" });
  await createSecret(ns, "harbor", { ".dockerconfigjson": privateConfig }, { type: "kubernetes.io/dockerconfigjson" });
  const targets = { namespaceSelector: { matchLabels: { [label]: "yes" } } };
  const specs: Record<string, unknown> = {
    "rc-ecr": { provider: "ecr", secretRef: { name: "ecr-keys" }, ecr: { accounts: ["111111111111", "222222222222"], regions: ["us-east-1", "eu-west-1"], endpoint: ecr.url } },
    "rc-ecr-chain": { provider: "ecr", ecr: { regions: ["ap-south-1"] } },
    "rc-gar": { provider: "google", secretRef: { name: "gar-key" }, registries: ["https://europe-docker.pkg.dev", "https://gcr.io"] },
    "rc-gar-json": { provider: "google", secretRef: { name: "gar-key" }, google: { authMode: "jsonKey" }, registries: ["https://gcr.io"] },
    "rc-acr": { provider: "acr", secretRef: { name: "acr-sp" }, registries: ["ferrytest.azurecr.io"] },
    "rc-hub": { provider: "dockerhub", secretRef: { name: "hub-token" }, secretName: "hub-login" },
    "rc-harbor": { provider: "dockerconfigjson", secretRef: { name: "harbor" } },
  };
  for (const [name, spec] of Object.entries(specs)) {
    const full = { ...(spec as Record<string, unknown>), targets, serviceAccounts: ["default", "builder"] };
    await fixture.admin.request("POST", registryCredentialsPath, { body: { apiVersion: "ferry.dev/v1alpha1", kind: "RegistryCredential", metadata: { name: `${name}-${label}` }, spec: full } });
    t.after(() => fixture.admin.request("DELETE", `${registryCredentialsPath}/${name}-${label}`).catch(() => undefined));
  }
  const copy = (name: string) => waitForObject("Secret", selected, name);
  const ecrCopy = logins(await copy(`rc-ecr-${label}`));
  assert.deepEqual(Object.keys(ecrCopy).sort(), [
    ecrProxyEndpoint("111111111111", "eu-west-1"),
    ecrProxyEndpoint("111111111111", "us-east-1"),
    ecrProxyEndpoint("222222222222", "eu-west-1"),
    ecrProxyEndpoint("222222222222", "us-east-1"),
  ].sort());
  assert.equal(ecrCopy[ecrProxyEndpoint("222222222222", "eu-west-1")]!.password, ecr.latest("222222222222", "eu-west-1"));
  const chain = logins(await copy(`rc-ecr-chain-${label}`));
  assert.deepEqual(chain, { [ecrProxyEndpoint("000000000000", "ap-south-1")]: { username: "AWS", password: ecr.latest("000000000000", "ap-south-1")! } });
  assert.ok(ecr.calls.some((call) => call.accessKeyId === "AKIADEFAULTCHAIN" && call.region === "ap-south-1"), "the default chain's keys signed the call");
  assert.ok(ecr.calls.some((call) => call.accessKeyId === "AKIASTATIC" && call.region === "eu-west-1"));
  const gar = logins(await copy(`rc-gar-${label}`));
  assert.deepEqual(Object.keys(gar), ["https://europe-docker.pkg.dev", "https://gcr.io"]);
  assert.ok(google.issued.includes(gar["https://gcr.io"]!.password));
  assert.equal(gar["https://gcr.io"]!.username, "oauth2accesstoken");
  const jsonKey = logins(await copy(`rc-gar-json-${label}`));
  assert.equal(jsonKey["https://gcr.io"]!.username, "_json_key");
  assert.equal(JSON.parse(jsonKey["https://gcr.io"]!.password).client_email, account.email);
  assert.deepEqual(logins(await copy(`rc-acr-${label}`)), { "ferrytest.azurecr.io": { username: "00000000-app", password: "acr-sp-secret" } });
  assert.deepEqual(logins(await copy("hub-login")), { "https://index.docker.io/v1/": { username: "ferrybot", password: "dckr_pat_fake" } });
  assert.deepEqual(logins(await copy(`rc-harbor-${label}`)), { "registry.example.com": { username: "robot", password: "robot-pass" } });
  assert.equal(await getObject("Secret", other, "hub-login"), undefined, "a namespace outside the selector gets nothing");

  // Both listed ServiceAccounts name every copy; "builder" is created after the copies.
  const wanted = [...Object.keys(specs).filter((n) => n !== "rc-hub").map((n) => `${n}-${label}`), "hub-login"];
  await waitForPullSecrets(selected, (names) => sameMembers(names, wanted));
  await fixture.admin.request("POST", `/api/v1/namespaces/${selected}/serviceaccounts`, { body: { metadata: { name: "builder" } } });
  await waitForPullSecrets(selected, (names) => sameMembers(names, wanted), "builder");

  // Status: Ready, refresh and expiry times, registries; never a value.
  const status = await waitFor(
    async () => {
      const object = await fixture.admin.getOptional<KubeObject>(`${registryCredentialsPath}/rc-ecr-${label}`);
      const s = object?.status as { conditions?: Array<{ type: string; status: string; reason: string }>; expiresAt?: string; lastRefreshTime?: string; nextRefreshTime?: string; registries?: string[] } | undefined;
      return s?.conditions?.find((c) => c.type === "Ready")?.status === "True" && s.expiresAt ? s : undefined;
    },
    { timeoutMs: 20_000, description: "RegistryCredential status" },
  );
  assert.ok(Date.parse(status.expiresAt!) > Date.now() + 11 * 3600_000);
  assert.ok(Date.parse(status.nextRefreshTime!) > Date.parse(status.lastRefreshTime!) + 6 * 3600_000 - 60_000, "refresh planned at 50-75% of the 12 h life");
  assert.equal(status.registries!.length, 4);
  const all = await fixture.admin.get<{ items: KubeObject[] }>(registryCredentialsPath);
  const text = JSON.stringify(all.items.map((item) => item.status));
  for (const value of ["static-secret", "acr-sp-secret", "dckr_pat_fake", "robot-pass", ...ecr.issued, ...google.issued, "PRIVATE KEY"]) assert.ok(!text.includes(value), "no credential in any status");
});
