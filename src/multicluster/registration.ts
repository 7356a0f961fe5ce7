// Member registrations: Secrets on the hub that say how to reach a member cluster. Pure parsing
// (no I/O) into a Registration with a kubeconfig; errors never quote the Secret's content.
//
// Two formats, both in a Secret labelled ferry.dev/cluster: "true":
//   - Ferry's own: key `kubeconfig` holds a kubeconfig (its current context is used).
//   - Argo CD's cluster Secret (label argocd.argoproj.io/secret-type: cluster): keys `name`,
//     `server` and `config` (JSON with bearerToken / username+password / tlsClientConfig /
//     awsAuthConfig / execProviderConfig), so an existing Argo CD registration can be reused.
import { KubeConfig } from "../kube/kube-config.js";
import { createHash } from "node:crypto";
import { serveNativeCredentials } from "../cloud/kube-authenticator.js";
import type { KubeObject } from "../kube/informer.js";

export const CLUSTER_LABEL = "ferry.dev/cluster";
/** Every registration also carries this pseudo-label (its member name), so a rule can pick one member by name. */
export const MEMBER_LABEL = "ferry.dev/member";
/** Optional annotation on a registration: Ferry's namespace on that member (default: the hub's own). */
export const MEMBER_NAMESPACE_ANNOTATION = "ferry.dev/member-namespace";
export const ARGOCD_SECRET_TYPE_LABEL = "argocd.argoproj.io/secret-type";
/** Argo CD's name for "the cluster Argo CD runs in": for a hub that is itself, not a member. */
const IN_CLUSTER_SERVERS = new Set(["https://kubernetes.default.svc", "https://kubernetes.default.svc:443", "https://kubernetes.default.svc.cluster.local"]);

export type RegistrationFormat = "kubeconfig" | "argocd";

export interface Registration {
  /** Member name: the Secret's name (Argo CD Secrets in Argo CD's namespace: their `name` key, else the Secret's name). */
  name: string;
  /** Where the registration lives (for messages and Events). */
  secret: { namespace: string; name: string; uid?: string };
  format: RegistrationFormat;
  /** What targets.clusters selects on: the Secret's labels plus ferry.dev/member=<name>. */
  labels: Record<string, string>;
  /** Ferry's namespace on the member. */
  memberNamespace: string;
  /** The member's API server URL (shown in status; not a secret). */
  server: string;
  /** Changes whenever anything that needs a new client changes (credentials, server, namespace). */
  fingerprint: string;
  /**
   * Builds the kubeconfig (may run an exec plugin later, when the client authenticates). Exec
   * plugins Ferry serves itself (aws eks get-token, aws-iam-authenticator, gke-gcloud-auth-plugin,
   * kubelogin, argocd-k8s-auth) are served natively when their binary is absent (src/cloud/);
   * throws UnservableCredentialError when one of them is absent and its form needs it.
   */
  kubeConfig(): KubeConfig;
}

/** A registration whose credential plugin is neither installed nor servable by Ferry; the message is safe to show. */
export class UnservableCredentialError extends Error {
  override name = "UnservableCredentialError";
}

/** The kubeconfig with Ferry's native cloud tokens in place of absent plugins. */
function withNativeCredentials(kubeConfig: KubeConfig, secret: { namespace: string; name: string }): KubeConfig {
  const served = serveNativeCredentials(kubeConfig);
  const user = served.kubeConfig.getCurrentUser();
  const problem = user ? served.problems.get(user.name) : undefined;
  if (problem) throw new UnservableCredentialError(`registration Secret ${secret.namespace}/${secret.name}: ${problem}`);
  return served.kubeConfig;
}

export interface RegistrationProblem {
  name: string;
  secret: { namespace: string; name: string; uid?: string };
  labels: Record<string, string>;
  /** Safe to show: built from key names and field names only. */
  message: string;
}

export type ParsedRegistration = { ok: true; registration: Registration } | { ok: false; problem: RegistrationProblem };

function decode(data: Record<string, string> | undefined, key: string): string | undefined {
  const value = data?.[key];
  if (value === undefined) return undefined;
  return Buffer.from(value, "base64").toString("utf8");
}

function fingerprint(...parts: string[]): string {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part).update("\u0000");
  return hash.digest("hex").slice(0, 32);
}

const MEMBER_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export interface ParseOptions {
  /** The hub's Ferry namespace (default member namespace). */
  ferryNamespace: string;
  /** Take the member name from Argo CD's `name` key (registrations in Argo CD's namespace). */
  nameFromArgoCd?: boolean;
}

/** Is this Secret a registration at all (label ferry.dev/cluster: "true")? */
export function isRegistration(object: KubeObject): boolean {
  return object.metadata.labels?.[CLUSTER_LABEL] === "true";
}

interface ArgoConfig {
  bearerToken?: unknown;
  username?: unknown;
  password?: unknown;
  tlsClientConfig?: { insecure?: unknown; serverName?: unknown; caData?: unknown; certData?: unknown; keyData?: unknown };
  awsAuthConfig?: { clusterName?: unknown; roleARN?: unknown; profile?: unknown };
  execProviderConfig?: { command?: unknown; args?: unknown; env?: unknown; apiVersion?: unknown };
}

const str = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);

/** A kubeconfig from Argo CD's cluster config (github.com/argoproj/argo-cd pkg/apis/application/v1alpha1 ClusterConfig). */
function argoKubeConfig(server: string, config: ArgoConfig): KubeConfig {
  const tls = config.tlsClientConfig ?? {};
  const user: Record<string, unknown> = { name: "member" };
  if (str(config.bearerToken)) user.token = config.bearerToken;
  if (str(config.username)) user.username = config.username;
  if (str(config.password)) user.password = config.password;
  if (str(tls.certData)) user.certData = tls.certData;
  if (str(tls.keyData)) user.keyData = tls.keyData;
  const aws = config.awsAuthConfig;
  const exec = config.execProviderConfig;
  if (aws && str(aws.clusterName)) {
    // What Argo CD itself builds; without argocd-k8s-auth installed Ferry mints the token (src/cloud/aws).
    user.exec = {
      apiVersion: "client.authentication.k8s.io/v1beta1",
      command: "argocd-k8s-auth",
      args: ["aws", "--cluster-name", aws.clusterName, ...(str(aws.roleARN) ? ["--role-arn", aws.roleARN] : []), ...(str(aws.profile) ? ["--profile", aws.profile] : [])],
      env: [],
      interactiveMode: "Never",
    };
  } else if (exec && str(exec.command)) {
    user.exec = {
      apiVersion: str(exec.apiVersion) ?? "client.authentication.k8s.io/v1beta1",
      command: exec.command,
      args: Array.isArray(exec.args) ? exec.args.filter((a) => typeof a === "string") : [],
      env: exec.env && typeof exec.env === "object" ? Object.entries(exec.env as Record<string, unknown>).map(([name, value]) => ({ name, value: String(value) })) : [],
      interactiveMode: "Never",
    };
  }
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [
      {
        name: "member",
        server,
        caData: str(tls.caData),
        skipTLSVerify: tls.insecure === true,
        tlsServerName: str(tls.serverName),
      },
    ],
    users: [user],
    contexts: [{ name: "member", cluster: "member", user: "member" }],
    currentContext: "member",
  });
  return kubeConfig;
}

/**
 * Parses a registration Secret (full object, data base64 as on the wire). Problems name the
 * Secret and the key or field at fault, never a value.
 */
export function parseRegistration(object: KubeObject, options: ParseOptions): ParsedRegistration {
  const meta = object.metadata;
  const secret = { namespace: meta.namespace ?? "", name: meta.name, uid: meta.uid };
  const data = object.data as Record<string, string> | undefined;
  const argoName = options.nameFromArgoCd ? decode(data, "name")?.trim() : undefined;
  const name = argoName || meta.name;
  const baseLabels = { ...(meta.labels ?? {}) };
  const fail = (message: string): ParsedRegistration => ({
    ok: false,
    problem: { name, secret, labels: { ...baseLabels, [MEMBER_LABEL]: name }, message: `registration Secret ${secret.namespace}/${secret.name}: ${message}` },
  });
  if (!MEMBER_NAME.test(name) || name.length > 63) return fail(`member name ${JSON.stringify(name.slice(0, 80))} is not usable as a member name (lower case letters, digits, '-' and '.', at most 63 characters)`);
  const memberNamespace = meta.annotations?.[MEMBER_NAMESPACE_ANNOTATION]?.trim() || options.ferryNamespace;
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(memberNamespace) || memberNamespace.length > 63) {
    return fail(`annotation ${MEMBER_NAMESPACE_ANNOTATION} is not a namespace name`);
  }
  const labels = { ...baseLabels, [MEMBER_LABEL]: name };
  const kubeconfigText = decode(data, "kubeconfig");
  if (kubeconfigText !== undefined) {
    let kubeConfig: KubeConfig;
    try {
      kubeConfig = new KubeConfig();
      kubeConfig.loadFromString(kubeconfigText);
    } catch {
      // The parser's message may quote the offending line, which may hold a credential.
      return fail("key kubeconfig is not a valid kubeconfig (YAML with clusters, users, contexts and current-context)");
    }
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) return fail("key kubeconfig has no current context with a cluster (set current-context)");
    if (!kubeConfig.getCurrentUser()) return fail("key kubeconfig's current context names no user");
    let server: URL;
    try {
      server = new URL(cluster.server);
    } catch {
      return fail("key kubeconfig: the current cluster's server is not a URL");
    }
    return {
      ok: true,
      registration: {
        name,
        secret,
        format: "kubeconfig",
        labels,
        memberNamespace,
        server: server.origin,
        fingerprint: fingerprint("kubeconfig", kubeconfigText, memberNamespace),
        kubeConfig: () => {
          const fresh = new KubeConfig();
          fresh.loadFromString(kubeconfigText);
          return withNativeCredentials(fresh, secret);
        },
      },
    };
  }
  const serverText = decode(data, "server")?.trim();
  const configText = decode(data, "config");
  if (serverText === undefined && configText === undefined) {
    return fail("has neither a kubeconfig key nor Argo CD's server and config keys");
  }
  if (!serverText) return fail("Argo CD format: key server is missing or empty");
  let server: URL;
  try {
    server = new URL(serverText);
  } catch {
    return fail("Argo CD format: key server is not a URL");
  }
  if (IN_CLUSTER_SERVERS.has(serverText.replace(/\/$/, ""))) {
    return fail("Argo CD format: server is Argo CD's in-cluster address, i.e. the hub itself; a hub does not push to itself");
  }
  let config: ArgoConfig = {};
  if (configText !== undefined && configText.trim() !== "") {
    try {
      const parsed = JSON.parse(configText) as unknown;
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return fail("Argo CD format: key config is not a JSON object");
      config = parsed as ArgoConfig;
    } catch {
      return fail("Argo CD format: key config is not valid JSON");
    }
  }
  const hasCredential =
    str(config.bearerToken) !== undefined ||
    (str(config.username) !== undefined && str(config.password) !== undefined) ||
    (str(config.tlsClientConfig?.certData) !== undefined && str(config.tlsClientConfig?.keyData) !== undefined) ||
    str(config.awsAuthConfig?.clusterName) !== undefined ||
    str(config.execProviderConfig?.command) !== undefined;
  if (!hasCredential) {
    return fail("Argo CD format: config has no credential (bearerToken, username+password, tlsClientConfig.certData+keyData, awsAuthConfig or execProviderConfig)");
  }
  try {
    argoKubeConfig(serverText, config);
  } catch {
    return fail("Argo CD format: config could not be turned into a client configuration");
  }
  return {
    ok: true,
    registration: {
      name,
      secret,
      format: "argocd",
      labels,
      memberNamespace,
      server: server.origin,
      fingerprint: fingerprint("argocd", serverText, configText ?? "", memberNamespace),
      kubeConfig: () => withNativeCredentials(argoKubeConfig(serverText, config), secret),
    },
  };
}
