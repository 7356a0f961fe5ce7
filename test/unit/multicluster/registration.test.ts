// Member registrations: both formats parse into a client configuration, problems name the key at
// fault and never quote a value.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { KubeObject } from "../../../src/kube/informer.js";
import { MEMBER_LABEL, MEMBER_NAMESPACE_ANNOTATION, isRegistration, parseRegistration } from "../../../src/multicluster/registration.js";

const b64 = (text: string) => Buffer.from(text).toString("base64");
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

test("Argo CD's awsAuthConfig becomes an `aws eks get-token` exec credential (the seed's EKS cross-account access)", () => {
  const parsed = parseRegistration(
    secret("eks-1", { server: "https://ABC.gr7.eu-west-1.eks.amazonaws.com", config: JSON.stringify({ awsAuthConfig: { clusterName: "prod", roleARN: "arn:aws:iam::123456789012:role/ferry-hub" }, tlsClientConfig: { caData: b64("ca") } }) }),
    { ferryNamespace: "ferry-system" },
  );
  assert.ok(parsed.ok);
  const exec = parsed.registration.kubeConfig().getCurrentUser()?.exec as { command: string; args: string[] };
  assert.equal(exec.command, "aws");
  assert.deepEqual(exec.args, ["eks", "get-token", "--cluster-name", "prod", "--role-arn", "arn:aws:iam::123456789012:role/ferry-hub"]);
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
