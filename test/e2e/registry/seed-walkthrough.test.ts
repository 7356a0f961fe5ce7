// The seed document's whole walkthrough (shared/seeds/registry-creds.md), with its own
// manifest: Ferry runs in the `registry-creds` namespace as the `registry-creds`
// ServiceAccount, with the seed's ClusterRole plus exactly what that role lacks for Ferry,
// which this test establishes with SubjectAccessReviews and pins.
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync } from "node:fs";
import { test } from "node:test";
import type { KubeObject } from "../../../src/kube/informer.js";
import { waitFor } from "../../../src/util/wait-for.js";
import { adminClient, deleteNamespace, tokenClient } from "../../support/cluster.js";
import { b64, createSecret, getObject, testLogPath, waitForObject } from "../../support/ferry.js";
import { ecrProxyEndpoint, startFakeEcr } from "../../support/fake-providers/ecr.js";
import { makeServiceAccount, startFakeGoogleOAuth } from "../../support/fake-providers/google-oauth.js";
import { seedContainerEnv, seedDocuments, seedDockerHub, seedDockerHubRotated, seedEcr, seedIgnoreAnnotation, type Manifest } from "./seed.js";
import { installRegistryCrds, logins, pullSecretNames, serviceAccount, startRegistryFixture, waitForPullSecrets } from "./support.js";

interface Access {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
}

/** Everything Ferry (engine with the native and registry-creds dialects, registry controller, ServiceAccount patcher) asks of the API. */
const ferryNeeds: Access[] = [
  ...["list", "watch"].map((verb) => ({ verb, group: "", resource: "namespaces" })),
  ...["get", "list", "watch", "create", "update", "patch", "delete"].map((verb) => ({ verb, group: "", resource: "secrets" })),
  ...["get", "list", "watch", "create", "update", "delete"].map((verb) => ({ verb, group: "", resource: "configmaps" })),
  ...["list", "watch", "patch"].map((verb) => ({ verb, group: "", resource: "serviceaccounts" })),
  ...["create", "list"].map((verb) => ({ verb, group: "", resource: "events" })),
  ...["distributions", "clusterdistributions", "registrycredentials"].flatMap((resource) => [
    ...["list", "watch"].map((verb) => ({ verb, group: "ferry.dev", resource })),
    { verb: "patch", group: "ferry.dev", resource, subresource: "status" },
  ]),
];

/** What the seed's ClusterRole does not grant (the answer to "what does it lack for Ferry?"). */
const seedLacks = [
  "list secrets",
  "watch secrets",
  "delete secrets",
  "get configmaps",
  "list configmaps",
  "watch configmaps",
  "create configmaps",
  "update configmaps",
  "delete configmaps",
  "list serviceaccounts",
  "watch serviceaccounts",
  "create events",
  "list events",
  "list distributions.ferry.dev",
  "watch distributions.ferry.dev",
  "patch distributions.ferry.dev/status",
  "list clusterdistributions.ferry.dev",
  "watch clusterdistributions.ferry.dev",
  "patch clusterdistributions.ferry.dev/status",
  "list registrycredentials.ferry.dev",
  "watch registrycredentials.ferry.dev",
  "patch registrycredentials.ferry.dev/status",
];

const describe = (a: Access) => `${a.verb} ${a.resource}${a.group ? `.${a.group}` : ""}${a.subresource ? `/${a.subresource}` : ""}`;
const rbacPath = (kind: string) => `/apis/rbac.authorization.k8s.io/v1/${kind === "ClusterRole" ? "clusterroles" : "clusterrolebindings"}`;

async function allowed(user: string, namespace: string, access: Access): Promise<boolean> {
  const admin = await adminClient();
  const review = await admin.request<{ status: { allowed: boolean } }>("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", {
    body: {
      apiVersion: "authorization.k8s.io/v1",
      kind: "SubjectAccessReview",
      spec: {
        user,
        groups: ["system:serviceaccounts", `system:serviceaccounts:${namespace}`, "system:authenticated"],
        resourceAttributes: { verb: access.verb, group: access.group, resource: access.resource, ...(access.subresource ? { subresource: access.subresource } : {}) },
      },
    },
  });
  return review.status.allowed;
}

async function apply(manifest: Manifest): Promise<void> {
  const admin = await adminClient();
  const { kind, metadata } = manifest;
  const path =
    kind === "Namespace"
      ? "/api/v1/namespaces"
      : kind === "ServiceAccount"
        ? `/api/v1/namespaces/${metadata.namespace}/serviceaccounts`
        : kind === "ClusterRole" || kind === "ClusterRoleBinding"
          ? rbacPath(kind)
          : undefined;
  if (!path) return; // the Deployment itself: Ferry runs in-process instead of the registry-creds image
  await admin.request("POST", path, { body: manifest });
}

test("seed walkthrough: the seed's manifest, Secrets, new namespace, ServiceAccount, pod, rotation without restart and the ignore annotation, run as the seed's ServiceAccount", async (t) => {
  // The run's log file is shared by every test: this test reads only what was written after it
  // started, by its own process.
  const logStart = existsSync(testLogPath()) ? statSync(testLogPath()).size : 0;
  const admin = await adminClient();
  const ecr = await startFakeEcr();
  t.after(() => ecr.stop());
  const gcrAccount = makeServiceAccount("registry-creds");
  const google = await startFakeGoogleOAuth([gcrAccount]);
  t.after(() => google.stop());
  await installRegistryCrds();

  // kubectl apply -f registry-creds-deployment.yaml (Namespace, ServiceAccount, ClusterRole, ClusterRoleBinding).
  const documents = seedDocuments();
  for (const doc of documents) await apply(doc);
  const ferryNamespace = documents.find((doc) => doc.kind === "Namespace")!.metadata.name;
  const account = documents.find((doc) => doc.kind === "ServiceAccount")!;
  const user = `system:serviceaccount:${account.metadata.namespace}:${account.metadata.name}`;

  // What the seed's ClusterRole lacks for Ferry, asked of the apiserver's own authorizer.
  await waitFor(() => allowed(user, ferryNamespace, { verb: "watch", group: "", resource: "namespaces" }), { timeoutMs: 10_000, description: "the seed's RBAC to take effect" });
  const lacking: Access[] = [];
  for (const access of ferryNeeds) if (!(await allowed(user, ferryNamespace, access))) lacking.push(access);
  assert.deepEqual(lacking.map(describe), seedLacks);
  // Grant exactly that, in a role of its own next to the seed's.
  const rules = new Map<string, { apiGroups: string[]; resources: string[]; verbs: string[] }>();
  for (const access of lacking) {
    const resource = access.subresource ? `${access.resource}/${access.subresource}` : access.resource;
    const key = `${access.group}|${resource}`;
    const rule = rules.get(key) ?? { apiGroups: [access.group], resources: [resource], verbs: [] };
    rule.verbs.push(access.verb);
    rules.set(key, rule);
  }
  await admin.request("POST", rbacPath("ClusterRole"), { body: { metadata: { name: "ferry-extra-for-registry-creds" }, rules: [...rules.values()] } });
  await admin.request("POST", rbacPath("ClusterRoleBinding"), {
    body: {
      metadata: { name: "ferry-extra-for-registry-creds" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "ferry-extra-for-registry-creds" },
      subjects: [{ kind: "ServiceAccount", name: account.metadata.name, namespace: account.metadata.namespace }],
    },
  });
  for (const access of lacking) await waitFor(() => allowed(user, ferryNamespace, access), { timeoutMs: 10_000, description: `${describe(access)} granted` });

  // Ferry runs as that ServiceAccount, with the Deployment's environment (Secrets not created yet: optional refs unset).
  const tokenRequest = await admin.request<{ status: { token: string } }>("POST", `/api/v1/namespaces/${ferryNamespace}/serviceaccounts/${account.metadata.name}/token`, {
    body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: 3600 } },
  });
  const client = await tokenClient(admin, tokenRequest.status.token);
  const env = { ...seedContainerEnv({}), AWS_ENDPOINT_URL_ECR: ecr.url };
  assert.deepEqual(Object.keys(env).sort(), ["AWS_ENDPOINT_URL_ECR", "GCR_URL", "awsaccount", "awsregion"]);
  await startRegistryFixture(t, { ferryNamespace, env, client, dialects: ["native", "registry-creds"] });
  // Registered after the fixture's own cleanup (after hooks run in order): Ferry keeps its rights until it has cleaned up.
  t.after(() => client.close());
  t.after(async () => {
    for (const doc of documents) if (doc.kind === "ClusterRole" || doc.kind === "ClusterRoleBinding") await admin.request("DELETE", `${rbacPath(doc.kind)}/${doc.metadata.name}`).catch(() => undefined);
    for (const name of ["ferry-extra-for-registry-creds"]) {
      await admin.request("DELETE", `${rbacPath("ClusterRole")}/${name}`).catch(() => undefined);
      await admin.request("DELETE", `${rbacPath("ClusterRoleBinding")}/${name}`).catch(() => undefined);
    }
    for (const ns of ["test-namespace", "no-registry-creds"]) await deleteNamespace(admin, ns);
  });

  // "Configuring Registry Credentials": kubectl create secret generic ... -n registry-creds.
  await createSecret(ferryNamespace, "registry-creds-dockerhub", seedDockerHub);
  await createSecret(ferryNamespace, "registry-creds-ecr", seedEcr);
  const dockerConfig = JSON.stringify({ auths: { "myregistry.io": { auth: b64("deploy:private-registry-password") } } });
  await createSecret(ferryNamespace, "registry-creds-private", { ".dockerconfigjson": dockerConfig }, { type: "kubernetes.io/dockerconfigjson" });
  // The Deployment reads registry-creds-gcr too, and the walkthrough expects gcr-secret: a service-account key whose token_uri is the local endpoint.
  await createSecret(ferryNamespace, "registry-creds-gcr", { "application_default_credentials.json": gcrAccount.json(google.tokenUri) });

  // "Excluding Namespaces" (created first, so the check below cannot race it).
  await admin.request("POST", "/api/v1/namespaces", { body: { metadata: { name: "no-registry-creds", annotations: seedIgnoreAnnotation } } });
  // "Verifying Automatic Propagation": kubectl create namespace test-namespace.
  await admin.request("POST", "/api/v1/namespaces", { body: { metadata: { name: "test-namespace" } } });
  const expected = ["awsecr-cred", "dockerhub-secret", "gcr-secret"];
  for (const name of [...expected, "dpr-secret"]) await waitForObject("Secret", "test-namespace", name);
  assert.deepEqual(logins(await getObject("Secret", "test-namespace", "dockerhub-secret")), { "https://index.docker.io/v1/": { username: "myusername", password: "mypassword" } });
  const ecrLogin = logins(await getObject("Secret", "test-namespace", "awsecr-cred"))[ecrProxyEndpoint("123456789012", "us-east-1")]!;
  assert.equal(ecrLogin.password, ecr.latest("123456789012", "us-east-1"));
  assert.ok(ecr.calls.every((call) => call.accessKeyId === seedEcr.AWS_ACCESS_KEY_ID), "signed with the seed's keys from registry-creds-ecr");
  assert.equal(logins(await getObject("Secret", "test-namespace", "gcr-secret"))["https://gcr.io"]!.password, google.issued.at(-1));
  assert.deepEqual(logins(await getObject("Secret", "test-namespace", "dpr-secret")), { "myregistry.io": { username: "deploy", password: "private-registry-password" } });

  // "Check the default service account": imagePullSecrets lists them.
  const names = await waitForPullSecrets("test-namespace", (list) => expected.every((name) => list.includes(name)) && list.includes("dpr-secret"));
  assert.deepEqual(names.filter((name) => expected.includes(name)).sort(), expected, "each once (in the order the copies appeared)");
  assert.equal(names.length, 4);

  // "Testing with Private Images": the pod gets the ServiceAccount's imagePullSecrets (no kubelet here to pull).
  const pod = await admin.request<KubeObject>("POST", "/api/v1/namespaces/test-namespace/pods", {
    body: { metadata: { name: "private-image-test" }, spec: { containers: [{ name: "app", image: "myregistry.io/private-app:latest", ports: [{ containerPort: 8080 }] }] } },
  });
  const podPullSecrets = ((pod.spec as { imagePullSecrets?: Array<{ name: string }> }).imagePullSecrets ?? []).map((entry) => entry.name);
  for (const name of [...expected, "dpr-secret"]) assert.ok(podPullSecrets.includes(name), `pod pulls with ${name}`);

  // "Handling Credential Rotation": the Secret changes; no `kubectl rollout restart`.
  const secret = (await admin.get<KubeObject>(`/api/v1/namespaces/${ferryNamespace}/secrets/registry-creds-dockerhub`))!;
  await admin.request("PUT", `/api/v1/namespaces/${ferryNamespace}/secrets/registry-creds-dockerhub`, {
    body: { ...secret, data: Object.fromEntries(Object.entries(seedDockerHubRotated).map(([k, v]) => [k, b64(v)])) },
  });
  await waitForObject("Secret", "test-namespace", "dockerhub-secret", (o) => logins(o)["https://index.docker.io/v1/"]?.password === "mynewpassword", 10_000);

  // The ignored namespace has no Secret and no patched ServiceAccount.
  await waitFor(() => serviceAccount("no-registry-creds"), { timeoutMs: 30_000, description: "default ServiceAccount" });
  for (const name of [...expected, "dpr-secret"]) assert.equal(await getObject("Secret", "no-registry-creds", name), undefined);
  assert.deepEqual(pullSecretNames(await serviceAccount("no-registry-creds")), []);

  // "Monitoring Registry-Creds": the log says what happened (and never a credential).
  const log = readFileSync(testLogPath())
    .subarray(logStart)
    .toString("utf8")
    .split("\n")
    .filter((line) => line.includes(`"test":${process.pid},`))
    .join("\n");
  assert.ok(log.length > 0, "this test's own log lines");
  assert.match(log, /"namespace":"test-namespace","serviceAccount":"default".*patched ServiceAccount imagePullSecrets/);
  assert.match(log, /"credential":"registry-creds\/ecr".*registry credential refreshed/);
  for (const value of ["mypassword", "mynewpassword", seedEcr.AWS_SECRET_ACCESS_KEY, ecrLogin.password, "private-registry-password", ...google.issued]) {
    assert.ok(!log.includes(value), "no credential value in the log");
  }
});
