// Member registrations: both formats parse into a client configuration, problems name the key at
// fault and never quote a value.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { KubeObject } from "../../../src/kube/informer.js";
import { NATIVE_AUTH_PROVIDER, nativeCredentialDescription } from "../../../src/cloud/kube-authenticator.js";
import { MEMBER_LABEL, MEMBER_NAMESPACE_ANNOTATION, UnservableCredentialError, isRegistration, parseRegistration } from "../../../src/multicluster/registration.js";

const b64 = (text: string) => Buffer.from(text).toString("base64");
// As in Ferry's image: none of the cloud plugins is installed (this machine may have some).
process.env.PATH = mkdtempSync(join(tmpdir(), "ferry-empty-path-"));
const TOKEN = "tok-0123456789-abcdefghijklmnopqrstuvwxyz-SECRET";

const kubeconfig = (server = "https://10.0.0.1:6443") => `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: ${server}
    certificate-authority-data: ${b64("not a real CA")}
users:
- name: u
  user:
    token: ${TOKEN}
contexts:
- name: x
  context: { cluster: c, user: u }
current-context: x
`;

function secret(name: string, data: Record<string, string>, labels: Record<string, string> = {}, annotations: Record<string, string> = {}): KubeObject {
  return {
    metadata: { name, namespace: "ferry-system", uid: "u1", labels: { "ferry.dev/cluster": "true", ...labels }, annotations },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
  };
}

test("a kubeconfig registration: member name is the Secret's, labels select it, the member namespace defaults to the hub's", () => {
  const parsed = parseRegistration(secret("eu-1", { kubeconfig: kubeconfig() }, { env: "prod" }), { ferryNamespace: "ferry-system" });
  assert.ok(parsed.ok);
  const registration = parsed.registration;
  assert.equal(registration.name, "eu-1");
  assert.equal(registration.format, "kubeconfig");
  assert.deepEqual(registration.labels, { "ferry.dev/cluster": "true", env: "prod", [MEMBER_LABEL]: "eu-1" });
  assert.equal(registration.memberNamespace, "ferry-system");
  assert.equal(registration.server, "https://10.0.0.1:6443");
  assert.equal(registration.kubeConfig().getCurrentUser()?.token, TOKEN);
  assert.ok(isRegistration(secret("x", {})));
});

test("the fingerprint changes with the credential or the member namespace, not with labels", () => {
  const fp = (object: KubeObject) => {
    const parsed = parseRegistration(object, { ferryNamespace: "ferry-system" });
    assert.ok(parsed.ok);
    return parsed.registration.fingerprint;
  };
  const base = fp(secret("m", { kubeconfig: kubeconfig() }));
  assert.equal(fp(secret("m", { kubeconfig: kubeconfig() }, { env: "dev" })), base);
  assert.notEqual(fp(secret("m", { kubeconfig: kubeconfig("https://10.0.0.2:6443") })), base);
  assert.notEqual(fp(secret("m", { kubeconfig: kubeconfig() }, {}, { [MEMBER_NAMESPACE_ANNOTATION]: "operator" })), base);
});

test("Argo CD's cluster Secret format: bearer token and CA, name from Argo CD's key when asked", () => {
  const object = secret(
    "cluster-10.0.0.9-123",
    { name: "prod-eu", server: "https://10.0.0.9", config: JSON.stringify({ bearerToken: TOKEN, tlsClientConfig: { insecure: false, caData: b64("ca") } }) },
    { "argocd.argoproj.io/secret-type": "cluster" },
  );
  const parsed = parseRegistration(object, { ferryNamespace: "ferry-system", nameFromArgoCd: true });
  assert.ok(parsed.ok);
  assert.equal(parsed.registration.name, "prod-eu");
  assert.equal(parsed.registration.format, "argocd");
  const config = parsed.registration.kubeConfig();
  assert.equal(config.getCurrentCluster()?.server, "https://10.0.0.9");
  assert.equal(config.getCurrentCluster()?.caData, b64("ca"));
  assert.equal(config.getCurrentUser()?.token, TOKEN);
  const inFerryNamespace = parseRegistration(object, { ferryNamespace: "ferry-system" });
  assert.ok(inFerryNamespace.ok);
  assert.equal(inFerryNamespace.registration.name, "cluster-10.0.0.9-123");
});

test("Argo CD's awsAuthConfig is served natively: an EKS token for its cluster and role, no aws CLI or argocd-k8s-auth needed", () => {
  const parsed = parseRegistration(
    secret("eks-1", { server: "https://ABC.gr7.eu-west-1.eks.amazonaws.com", config: JSON.stringify({ awsAuthConfig: { clusterName: "prod", roleARN: "arn:aws:iam::123456789012:role/ferry-hub" }, tlsClientConfig: { caData: b64("ca") } }) }),
    { ferryNamespace: "ferry-system" },
  );
  assert.ok(parsed.ok);
  const config = parsed.registration.kubeConfig();
  const user = config.getCurrentUser();
  assert.equal(user?.exec, undefined, "no exec plugin is run");
  assert.equal(user?.authProvider?.name, NATIVE_AUTH_PROVIDER);
  assert.equal(nativeCredentialDescription(config), 'an EKS token for cluster "prod" as role arn:aws:iam::123456789012:role/ferry-hub');
});

const execKubeconfig = (command: string, args: string[], env: Array<{ name: string; value: string }> = []) => `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: { server: "https://10.0.0.1:6443" }
users:
- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: ${command}
      args: ${JSON.stringify(args)}
      env: ${JSON.stringify(env)}
      interactiveMode: Never
contexts:
- name: x
  context: { cluster: c, user: u }
current-context: x
`;

test("kubeconfig exec plugins: gke-gcloud-auth-plugin and kubelogin are served natively when absent; other plugins run as written; a login that needs a person is an error naming the plugin", () => {
  const parse = (text: string) => {
    const parsed = parseRegistration(secret("m", { kubeconfig: text }), { ferryNamespace: "ferry-system" });
    assert.ok(parsed.ok);
    return parsed.registration;
  };
  const gke = parse(execKubeconfig("gke-gcloud-auth-plugin", [])).kubeConfig();
  assert.equal(gke.getCurrentUser()?.authProvider?.name, NATIVE_AUTH_PROVIDER);
  assert.equal(nativeCredentialDescription(gke), "a Google access token from the hub's Application Default Credentials");
  const aks = parse(
    execKubeconfig("kubelogin", ["get-token", "--login", "spn", "--server-id", "srv-app", "--client-id", "c", "--tenant-id", "t"], [{ name: "AAD_SERVICE_PRINCIPAL_CLIENT_SECRET", value: TOKEN }]),
  ).kubeConfig();
  assert.equal(nativeCredentialDescription(aks), "an Entra ID token for server application srv-app (spn, client c)");
  const other = parse(execKubeconfig("vault-kube-login", ["--role", "hub"])).kubeConfig();
  assert.equal((other.getCurrentUser()?.exec as { command: string }).command, "vault-kube-login");
  assert.equal(nativeCredentialDescription(other), undefined);
  const device = parse(execKubeconfig("kubelogin", ["get-token", "--server-id", "srv-app"]));
  assert.throws(() => device.kubeConfig(), (error: Error) => error instanceof UnservableCredentialError && /kubelogin login method "devicecode" needs a person or a CLI.*not installed/.test(error.message));
  // Installed, the plugin runs as written.
  const path = process.env.PATH!;
  writeFileSync(join(path, "gke-gcloud-auth-plugin"), "#!/bin/sh\nexit 1\n", { mode: 0o755 });
  const installed = parse(execKubeconfig("gke-gcloud-auth-plugin", [])).kubeConfig();
  assert.equal((installed.getCurrentUser()?.exec as { command: string }).command, "gke-gcloud-auth-plugin");
  assert.equal(nativeCredentialDescription(installed), undefined);
});

test("problems name the Secret and key, never a value", () => {
  const cases: Array<[KubeObject, RegExp]> = [
    [secret("a", { kubeconfig: `clusters: [${TOKEN}` }), /key kubeconfig is not a valid kubeconfig/],
    [secret("b", { kubeconfig: "apiVersion: v1\nkind: Config\n" }), /no current context/],
    [secret("c", { other: TOKEN }), /neither a kubeconfig key nor Argo CD's server and config keys/],
    [secret("d", { server: "https://x", config: `{"bearerToken": "${TOKEN}"` }), /config is not valid JSON/],
    [secret("e", { server: "https://x", config: JSON.stringify({ tlsClientConfig: { insecure: true } }) }), /config has no credential/],
    [secret("f", { server: "https://kubernetes.default.svc", config: JSON.stringify({ bearerToken: TOKEN }) }), /the hub itself/],
    [secret("Bad_Name", { kubeconfig: kubeconfig() }), /not usable as a member name/],
  ];
  for (const [object, expected] of cases) {
    const parsed = parseRegistration(object, { ferryNamespace: "ferry-system" });
    assert.ok(!parsed.ok, object.metadata.name);
    assert.match(parsed.problem.message, expected);
    assert.match(parsed.problem.message, new RegExp(`registration Secret ferry-system/${object.metadata.name}`));
    assert.ok(!parsed.problem.message.includes(TOKEN), "a credential leaked into a message");
  }
});
