// The exec credential protocol as client-go speaks it: KUBERNETES_EXEC_INFO in, an ExecCredential
// of the same apiVersion out; failures name the plugin and never echo what it printed.
import assert from "node:assert/strict";
import { test } from "node:test";
import { execConfigOf, runExecPlugin, type ExecConfig } from "../../../src/kube/exec-credential.js";

const plugin = (script: string, extra: Partial<ExecConfig> = {}): ExecConfig => ({ command: "bash", args: ["-c", script], apiVersion: "client.authentication.k8s.io/v1", ...extra });
const credential = (status: object, apiVersion = "client.authentication.k8s.io/v1") => `echo '${JSON.stringify({ apiVersion, kind: "ExecCredential", status })}'`;
const cluster = { name: "c", server: "https://example.test:6443", caData: Buffer.from("CA PEM").toString("base64"), skipTLSVerify: false };

test("a token and its claimed expiry are read; the plugin learns it is not interactive", async () => {
  const result = await runExecPlugin(plugin(`[[ "$KUBERNETES_EXEC_INFO" == '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{"interactive":false}}' ]] && ${credential({ token: "tok", expirationTimestamp: "2030-01-02T03:04:05Z" })}`), cluster);
  assert.deepEqual(result, { token: "tok", clientCertificateData: undefined, clientKeyData: undefined, expiresAt: Date.parse("2030-01-02T03:04:05Z") });
});

test("provideClusterInfo hands the cluster's server and CA to the plugin; env entries are set", async () => {
  const script = `[[ "$KUBERNETES_EXEC_INFO" == *'"server":"https://example.test:6443"'* && "$KUBERNETES_EXEC_INFO" == *'"certificate-authority-data":"${cluster.caData}"'* && "$REGION" == eu-1 ]] && ${credential({ token: "tok" })}`;
  const result = await runExecPlugin(plugin(script, { provideClusterInfo: true, env: [{ name: "REGION", value: "eu-1" }] }), cluster);
  assert.equal(result.token, "tok");
  assert.equal(result.expiresAt, undefined, "no expiry: valid until refused");
});

test("a client certificate and key are a credential too", async () => {
  const result = await runExecPlugin(plugin(credential({ clientCertificateData: "CERT", clientKeyData: "KEY" })), cluster);
  assert.equal(result.clientCertificateData, "CERT");
  assert.equal(result.clientKeyData, "KEY");
});

test("a stanza without apiVersion takes an ExecCredential of v1 or v1beta1", async () => {
  const exec = (apiVersion: string) => ({ command: "bash", args: ["-c", credential({ token: "tok" }, apiVersion)] });
  assert.equal((await runExecPlugin(exec("client.authentication.k8s.io/v1beta1"), cluster)).token, "tok");
  assert.equal((await runExecPlugin(exec("client.authentication.k8s.io/v1"), cluster)).token, "tok");
  await assert.rejects(runExecPlugin(exec("client.authentication.k8s.io/v1alpha1"), cluster), /not an ExecCredential of client\.authentication\.k8s\.io\/v1 or/);
});

test("failures name the plugin and never include its output", async () => {
  const cases: Array<[ExecConfig, RegExp]> = [
    [plugin("echo secret-token-123; exit 3"), /exec plugin "bash" exited with code 3/],
    [plugin("echo secret-token-123"), /did not print an ExecCredential/],
    [plugin(credential({ token: "secret-token-123" }, "client.authentication.k8s.io/v1beta1")), /not an ExecCredential of client\.authentication\.k8s\.io\/v1/],
    [plugin(credential({})), /neither a token nor a client certificate/],
    [plugin(credential({ token: "secret-token-123", expirationTimestamp: "soon" })), /unreadable expirationTimestamp/],
    [plugin(credential({ token: "secret-token-123" }), { interactiveMode: "Always" }), /requires an interactive terminal/],
    [{ command: "/nonexistent/aws-iam-authenticator", installHint: "install aws-iam-authenticator" }, /could not run \(ENOENT\): install aws-iam-authenticator/],
  ];
  for (const [exec, message] of cases) {
    await assert.rejects(runExecPlugin(exec, cluster), (error: Error) => {
      assert.match(error.message, message);
      assert.doesNotMatch(error.message, /secret-token-123/);
      return true;
    });
  }
});

test("the exec stanza is found on the user or in a legacy auth-provider config", () => {
  assert.equal(execConfigOf({ exec: { command: "a" } })?.command, "a");
  assert.equal(execConfigOf({ authProvider: { config: { exec: { command: "b" } } } })?.command, "b");
  assert.equal(execConfigOf({}), undefined);
  assert.equal(execConfigOf(null), undefined);
});
