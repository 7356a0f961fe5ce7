// An exec credential plugin for tests (run by node directly: no imports beyond node's own). It
// hands out real ServiceAccount tokens from the TokenRequest API and claims they expire after
// FERRY_PLUGIN_LIFETIME_SECONDS. Each token is bound to its own Secret (boundObjectRef), which
// carries that claimed expiry in an annotation: deleting the Secret invalidates the token, so a
// test can make every token stop working when it claims to expire. Every run is logged as a JSON
// line (its number, when it minted, the claimed expiry, the Secret, the KUBERNETES_EXEC_INFO it got).
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { request } from "node:https";

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const server = env("FERRY_PLUGIN_SERVER");
const namespace = env("FERRY_PLUGIN_NAMESPACE");
const serviceAccount = env("FERRY_PLUGIN_SERVICE_ACCOUNT");
const lifetimeSeconds = Number(env("FERRY_PLUGIN_LIFETIME_SECONDS"));
const log = env("FERRY_PLUGIN_LOG");
const tls = { ca: readFileSync(env("FERRY_PLUGIN_CA")), cert: readFileSync(env("FERRY_PLUGIN_CERT")), key: readFileSync(env("FERRY_PLUGIN_KEY")) };

const bindingLabel = "test.ferry.dev/exec-binding";
const expiresAnnotation = "test.ferry.dev/expires-at";

function post<T>(path: string, body: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = request(new URL(path, server), { method: "POST", ...tls, headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload) } }, (response) => {
      let text = "";
      response.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
      response.on("end", () => ((response.statusCode ?? 0) < 300 ? resolve(JSON.parse(text) as T) : reject(new Error(`POST ${path}: HTTP ${response.statusCode}`))));
    });
    req.on("error", reject);
    req.end(payload);
  });
}

const run = (existsSync(log) ? readFileSync(log, "utf8").split("\n").filter(Boolean).length : 0) + 1;
const mintedAt = Date.now();
const expiresAt = mintedAt + lifetimeSeconds * 1000;
const secret = `exec-binding-${run}`;
const binding = await post<{ metadata: { uid: string } }>(`/api/v1/namespaces/${namespace}/secrets`, {
  metadata: { name: secret, labels: { [bindingLabel]: "true" }, annotations: { [expiresAnnotation]: new Date(expiresAt).toISOString() } },
});
const token = await post<{ status: { token: string } }>(`/api/v1/namespaces/${namespace}/serviceaccounts/${serviceAccount}/token`, {
  apiVersion: "authentication.k8s.io/v1",
  kind: "TokenRequest",
  spec: { expirationSeconds: 600, boundObjectRef: { apiVersion: "v1", kind: "Secret", name: secret, uid: binding.metadata.uid } },
});
appendFileSync(log, `${JSON.stringify({ run, mintedAt, expiresAt, secret, execInfo: JSON.parse(process.env.KUBERNETES_EXEC_INFO ?? "null") })}\n`);
process.stdout.write(
  JSON.stringify({
    apiVersion: "client.authentication.k8s.io/v1",
    kind: "ExecCredential",
    status: { token: token.status.token, expirationTimestamp: new Date(expiresAt).toISOString() },
  }),
);
