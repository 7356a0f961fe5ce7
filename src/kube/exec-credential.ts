// Runs a kubeconfig exec credential plugin (client.authentication.k8s.io ExecCredential, as
// client-go does) and returns its token or client certificate with the expiry it claims.
// @kubernetes/client-node runs these plugins too, but keeps the expiry to itself and re-runs a
// plugin only once a request finds its credential already expired; Ferry refreshes ahead of
// expiry (credentials.ts), so it runs the plugin here and hands every other mode to client-node.
// Errors name the command and exit code, never the plugin's stdout (it holds the credential); the
// plugin's stderr goes to Ferry's, as client-go passes it through.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import type { Cluster } from "./kube-config.js";

/** A kubeconfig `users[].user.exec` stanza. */
export interface ExecConfig {
  command: string;
  args?: string[];
  env?: Array<{ name: string; value: string }>;
  apiVersion?: string;
  installHint?: string;
  provideClusterInfo?: boolean;
  interactiveMode?: string;
}

export interface ExecCredential {
  token?: string;
  clientCertificateData?: string;
  clientKeyData?: string;
  /** Milliseconds since the epoch; undefined: valid until the apiserver refuses it. */
  expiresAt?: number;
}

const defaultApiVersion = "client.authentication.k8s.io/v1";
const knownApiVersions = [defaultApiVersion, "client.authentication.k8s.io/v1beta1"];

/** The exec stanza of a kubeconfig user, if it authenticates with a plugin. */
export function execConfigOf(user: { exec?: unknown; authProvider?: { config?: { exec?: unknown } } } | null | undefined): ExecConfig | undefined {
  const exec = (user?.exec ?? user?.authProvider?.config?.exec) as ExecConfig | undefined;
  return exec && typeof exec.command === "string" ? exec : undefined;
}

/** KUBERNETES_EXEC_INFO: Ferry is never interactive; cluster details only when the plugin asks. */
function execInfo(exec: ExecConfig, cluster: Cluster | null | undefined): string {
  const spec: Record<string, unknown> = { interactive: false };
  if (exec.provideClusterInfo && cluster) {
    const ca = cluster.caData ?? (cluster.caFile ? readFileSync(cluster.caFile).toString("base64") : undefined);
    spec.cluster = {
      server: cluster.server,
      ...(cluster.tlsServerName ? { "tls-server-name": cluster.tlsServerName } : {}),
      ...(cluster.skipTLSVerify ? { "insecure-skip-tls-verify": true } : {}),
      ...(ca ? { "certificate-authority-data": ca } : {}),
      ...(cluster.proxyUrl ? { "proxy-url": cluster.proxyUrl } : {}),
    };
  }
  return JSON.stringify({ apiVersion: exec.apiVersion ?? defaultApiVersion, kind: "ExecCredential", spec });
}

function parseCredential(exec: ExecConfig, stdout: string): ExecCredential {
  const where = `exec plugin "${exec.command}"`;
  let parsed: { apiVersion?: string; kind?: string; status?: Record<string, unknown> };
  try {
    parsed = JSON.parse(stdout) as typeof parsed;
  } catch {
    throw new Error(`${where} did not print an ExecCredential (invalid JSON)`);
  }
  // client-go requires the stanza's apiVersion; without one (client-node accepted that) either version will do.
  const accepted = exec.apiVersion ? [exec.apiVersion] : knownApiVersions;
  if (parsed.kind !== "ExecCredential" || !accepted.includes(parsed.apiVersion ?? "")) {
    throw new Error(`${where} printed ${parsed.kind ?? "no kind"} ${parsed.apiVersion ?? ""}, not an ExecCredential of ${accepted.join(" or ")}`);
  }
  const status = parsed.status ?? {};
  const text = (key: string) => (typeof status[key] === "string" && status[key] !== "" ? (status[key] as string) : undefined);
  const credential: ExecCredential = { token: text("token"), clientCertificateData: text("clientCertificateData"), clientKeyData: text("clientKeyData") };
  if (!credential.token && !(credential.clientCertificateData && credential.clientKeyData)) {
    throw new Error(`${where} returned neither a token nor a client certificate and key`);
  }
  const expiry = text("expirationTimestamp");
  if (expiry) {
    const expiresAt = Date.parse(expiry);
    if (!Number.isFinite(expiresAt)) throw new Error(`${where} returned an unreadable expirationTimestamp`);
    credential.expiresAt = expiresAt;
  }
  return credential;
}

/** Runs the plugin once (up to `timeoutMs`) and returns what it printed. */
export function runExecPlugin(exec: ExecConfig, cluster: Cluster | null | undefined, timeoutMs = 60_000): Promise<ExecCredential> {
  const where = `exec plugin "${exec.command}"`;
  if (exec.interactiveMode === "Always") return Promise.reject(new Error(`${where} requires an interactive terminal (interactiveMode: Always); Ferry has none`));
  const env: NodeJS.ProcessEnv = { ...process.env, KUBERNETES_EXEC_INFO: execInfo(exec, cluster) };
  for (const entry of exec.env ?? []) env[entry.name] = entry.value;
  return new Promise((resolve, reject) => {
    const child = spawn(exec.command, exec.args ?? [], { env, stdio: ["ignore", "pipe", "inherit"], timeout: timeoutMs });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.on("error", (error: NodeJS.ErrnoException) => {
      const hint = error.code === "ENOENT" && exec.installHint ? `: ${exec.installHint}` : "";
      reject(new Error(`${where} could not run (${error.code ?? error.message})${hint}`));
    });
    child.on("close", (code, signal) => {
      if (code !== 0) {
        reject(new Error(`${where} ${signal ? `was stopped by ${signal}` : `exited with code ${code}`}`));
        return;
      }
      try {
        resolve(parseCredential(exec, stdout));
      } catch (error) {
        reject(error as Error);
      }
    });
  });
}
