// When Ferry's client fetches credentials again: an exec credential at 80% of its claimed
// lifetime (on a timer) or once refused; a new client certificate is reported, a new token alone
// is not. The plugins are bash one-liners; no request is sent anywhere.
import { KubeConfig } from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { CredentialSource, refreshTime } from "../../../src/kube/credentials.js";
import type { TlsMaterial } from "../../../src/kube/transport.js";
import { waitFor } from "../../../src/util/wait-for.js";

/** A plugin whose n-th run prints the token `t<n>` (and, with `certs`, the certificate `c<n>`). */
function countingPlugin(status: (run: string) => string): { kubeConfig: KubeConfig; runs: () => number } {
  const dir = mkdtempSync(join(tmpdir(), "ferry-credentials-"));
  const script = `n=$(( $(ls "${dir}" | wc -l) + 1 )); touch "${dir}/$n"; echo "{\\"apiVersion\\":\\"client.authentication.k8s.io/v1\\",\\"kind\\":\\"ExecCredential\\",\\"status\\":${status("$n")}}"`;
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: "c", server: "https://example.test:6443", skipTLSVerify: false }],
    users: [{ name: "u", exec: { apiVersion: "client.authentication.k8s.io/v1", command: "bash", args: ["-c", script] } }],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
  return { kubeConfig, runs: () => readdirSync(dir).length };
}

test("an exec credential is replaced at 80% of the lifetime it claims", () => {
  assert.equal(refreshTime(1_000, 21_000), 17_000);
  assert.equal(refreshTime(1_000, 1_000), 1_000);
  assert.equal(refreshTime(5_000, 1_000), 5_000, "already expired: now");
});

test("an expiring token is fetched again by the timer, without any request asking", async (t) => {
  const { kubeConfig, runs } = countingPlugin((n) => `{\\"token\\":\\"t${n}\\",\\"expirationTimestamp\\":\\"$(date -u -d '+3 seconds' +%Y-%m-%dT%H:%M:%SZ)\\"}`);
  const changes: TlsMaterial[] = [];
  const source = await CredentialSource.create(kubeConfig, (tls) => changes.push(tls));
  t.after(() => source.close());
  assert.equal((await source.current()).headers.Authorization, "Bearer t1");
  await waitFor(() => runs() >= 2, { timeoutMs: 20_000, description: "the plugin's second run" });
  await waitFor(async () => (await source.current()).headers.Authorization === "Bearer t2", { timeoutMs: 5_000 });
  assert.deepEqual(changes, [], "a new token alone needs no new connections");
});

test("a credential without expiry is kept until the apiserver refuses it, then fetched once", async (t) => {
  const { kubeConfig, runs } = countingPlugin((n) => `{\\"token\\":\\"t${n}\\"}`);
  const source = await CredentialSource.create(kubeConfig);
  t.after(() => source.close());
  const first = await source.current();
  assert.equal((await source.current()).headers.Authorization, "Bearer t1");
  source.refused(first.generation);
  source.refused(first.generation);
  const second = await source.current();
  assert.equal(second.headers.Authorization, "Bearer t2");
  source.refused(first.generation);
  assert.equal((await source.current()).headers.Authorization, "Bearer t2", "a 401 to an older credential changes nothing");
  assert.equal(runs(), 2);
});

test("a new client certificate is reported for new connections", async (t) => {
  const { kubeConfig } = countingPlugin((n) => `{\\"clientCertificateData\\":\\"c${n}\\",\\"clientKeyData\\":\\"k${n}\\"}`);
  const changes: TlsMaterial[] = [];
  const source = await CredentialSource.create(kubeConfig, (tls) => changes.push(tls));
  t.after(() => source.close());
  const first = await source.current();
  assert.equal(first.tls.cert, "c1");
  assert.equal(first.headers.Authorization, undefined);
  source.refused(first.generation);
  await source.current();
  assert.deepEqual(changes.map((tls) => [tls.cert, tls.key]), [["c2", "k2"]]);
});
