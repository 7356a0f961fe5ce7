// Which kubeconfig exec plugins Ferry can serve itself, and with what: `aws eks get-token`,
// `aws-iam-authenticator token`, `gke-gcloud-auth-plugin`, `kubelogin get-token` and Argo CD's
// `argocd-k8s-auth aws|gcp|azure`. Pure: the exec block and an environment in, a
// NativeCredential (or the reason it cannot be served natively) out. The environment is the
// plugin's own (the hub's environment with the exec block's `env` on top), as the binary would
// see it; as in kubelogin, its variables win over flags.
import type { AksCredential, AksLogin, NativeCredential } from "./native-credential.js";

export interface ExecBlock {
  command: string;
  args?: readonly string[];
  env?: ReadonlyArray<{ name: string; value: string }> | null;
}

export type Env = Readonly<Record<string, string | undefined>>;

export type Recognition =
  | { kind: "native"; credential: NativeCredential; binary: string }
  | { kind: "unsupported"; binary: string; reason: string }
  | { kind: "other" };

/** The AKS-managed Entra ID server application (the audience of every AKS token). */
export const AKS_SERVER_APPLICATION_ID = "6dae42f8-4368-4678-94ff-3960e28e3630";

const authorityHosts: Record<string, string> = {
  AZUREPUBLICCLOUD: "https://login.microsoftonline.com/",
  AZURECLOUD: "https://login.microsoftonline.com/",
  AZURECHINACLOUD: "https://login.chinacloudapi.cn/",
  AZUREUSGOVERNMENTCLOUD: "https://login.microsoftonline.us/",
  AZUREUSGOVERNMENT: "https://login.microsoftonline.us/",
};

/** `--flag value`, `--flag=value` and short aliases; the last occurrence wins, as with pflag. */
function flag(args: readonly string[], ...names: string[]): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    for (const name of names) {
      if (arg === name && i + 1 < args.length) value = args[i + 1];
      else if (arg.startsWith(`${name}=`)) value = arg.slice(name.length + 1);
    }
  }
  return value === "" ? undefined : value;
}

const nonEmpty = (value: string | undefined) => (value === undefined || value.trim() === "" ? undefined : value.trim());

function basename(command: string): string {
  const last = command.split(/[\\/]/).pop() ?? command;
  return last.replace(/\.exe$/i, "");
}

/** The plugin's environment: the hub's, with the exec block's entries on top. */
export function pluginEnv(exec: ExecBlock, env: Env): Env {
  const merged: Record<string, string | undefined> = { ...env };
  for (const entry of exec.env ?? []) merged[entry.name] = entry.value;
  return merged;
}

function awsRegion(args: readonly string[], env: Env): string | undefined {
  return flag(args, "--region") ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION);
}

function eks(args: readonly string[], env: Env, clusterFlags: string[], roleFlags: string[], binary: string): Recognition {
  const clusterName = flag(args, ...clusterFlags);
  if (!clusterName) return { kind: "unsupported", binary, reason: `${binary}: no cluster name (${clusterFlags[0]})` };
  const roleArn = flag(args, ...roleFlags);
  const profile = flag(args, "--profile") ?? nonEmpty(env.AWS_PROFILE);
  const region = awsRegion(args, env);
  const sessionName = flag(args, "--session-name", "-s");
  const externalId = flag(args, "--external-id", "-e");
  return {
    kind: "native",
    binary,
    credential: {
      cloud: "eks",
      clusterName,
      ...(roleArn ? { roleArn } : {}),
      ...(profile ? { profile } : {}),
      ...(region ? { region } : {}),
      ...(sessionName ? { sessionName } : {}),
      ...(externalId ? { externalId } : {}),
    },
  };
}

/** kubelogin get-token (and argocd-k8s-auth azure): flags, then kubelogin's environment variables over them. */
function aks(args: readonly string[], env: Env, binary: string, defaults: { serverId?: string } = {}): Recognition {
  const login = (nonEmpty(env.AAD_LOGIN_METHOD) ?? flag(args, "--login", "-l") ?? "devicecode").toLowerCase();
  const serverId = nonEmpty(env.AAD_SERVER_APPLICATION_ID) ?? flag(args, "--server-id") ?? defaults.serverId;
  if (!serverId) return { kind: "unsupported", binary, reason: `${binary}: no --server-id` };
  const supported: AksLogin[] = ["spn", "workloadidentity", "msi"];
  if (!supported.includes(login as AksLogin)) {
    return { kind: "unsupported", binary, reason: `${binary} login method ${JSON.stringify(login)} needs a person or a CLI; Ferry serves spn, workloadidentity and msi` };
  }
  const clientId = nonEmpty(env.AZURE_CLIENT_ID) ?? nonEmpty(env.AAD_SERVICE_PRINCIPAL_CLIENT_ID) ?? flag(args, "--client-id");
  const tenantId = nonEmpty(env.AZURE_TENANT_ID) ?? flag(args, "--tenant-id", "-t");
  const clientSecret = nonEmpty(env.AZURE_CLIENT_SECRET) ?? nonEmpty(env.AAD_SERVICE_PRINCIPAL_CLIENT_SECRET) ?? flag(args, "--client-secret");
  const federatedTokenFile = nonEmpty(env.AZURE_FEDERATED_TOKEN_FILE) ?? flag(args, "--federated-token-file");
  const environment = (nonEmpty(env.AAD_ENVIRONMENT_NAME) ?? flag(args, "--environment", "-e") ?? "AzurePublicCloud").toUpperCase();
  const authorityHost = nonEmpty(env.AZURE_AUTHORITY_HOST) ?? flag(args, "--authority-host") ?? authorityHosts[environment];
  if (!authorityHost) return { kind: "unsupported", binary, reason: `${binary}: unknown --environment ${JSON.stringify(environment)}; set --authority-host` };
  const credential: AksCredential = { cloud: "aks", login: login as AksLogin, serverId, authorityHost };
  if (clientId) credential.clientId = clientId;
  if (tenantId) credential.tenantId = tenantId;
  const identityResourceId = flag(args, "--identity-resource-id");
  if (identityResourceId) credential.identityResourceId = identityResourceId;
  const missing: string[] = [];
  if (login === "spn") {
    if (!clientId) missing.push("--client-id (or AZURE_CLIENT_ID)");
    if (!tenantId) missing.push("--tenant-id (or AZURE_TENANT_ID)");
    if (!clientSecret) missing.push("a client secret (AZURE_CLIENT_SECRET or AAD_SERVICE_PRINCIPAL_CLIENT_SECRET)");
    if (clientSecret) credential.clientSecret = clientSecret;
  } else if (login === "workloadidentity") {
    if (!clientId) missing.push("AZURE_CLIENT_ID");
    if (!tenantId) missing.push("AZURE_TENANT_ID");
    if (!federatedTokenFile) missing.push("AZURE_FEDERATED_TOKEN_FILE");
    if (federatedTokenFile) credential.federatedTokenFile = federatedTokenFile;
  }
  if (missing.length > 0) return { kind: "unsupported", binary, reason: `${binary} --login ${login}: missing ${missing.join(", ")}` };
  return { kind: "native", binary, credential };
}

/**
 * Recognises an exec plugin Ferry can serve. `other` means: not one of ours, run it as written;
 * `unsupported` means: ours, but this form needs the binary (the reason says why).
 */
export function recogniseExec(exec: ExecBlock, hubEnv: Env): Recognition {
  const binary = basename(exec.command);
  const args = exec.args ?? [];
  const env = pluginEnv(exec, hubEnv);
  switch (binary) {
    case "aws":
      if (!(args.includes("eks") && args.includes("get-token"))) return { kind: "other" };
      return eks(args, env, ["--cluster-name"], ["--role-arn"], "aws eks get-token");
    case "aws-iam-authenticator":
      if (!args.includes("token")) return { kind: "other" };
      return eks(args, env, ["--cluster-id", "-i"], ["--role", "-r"], "aws-iam-authenticator");
    case "gke-gcloud-auth-plugin":
      return { kind: "native", binary, credential: { cloud: "gke" } };
    case "kubelogin":
      if (!args.includes("get-token")) return { kind: "other" };
      return aks(args, env, binary);
    case "argocd-k8s-auth": {
      const provider = args.find((arg) => !arg.startsWith("-"));
      if (provider === "aws") return eks(args, env, ["--cluster-name"], ["--role-arn"], "argocd-k8s-auth aws");
      if (provider === "gcp") return { kind: "native", binary: "argocd-k8s-auth gcp", credential: { cloud: "gke" } };
      if (provider === "azure") return aks(args, { AAD_LOGIN_METHOD: "workloadidentity", ...env }, "argocd-k8s-auth azure", { serverId: AKS_SERVER_APPLICATION_ID });
      return { kind: "other" };
    }
    default:
      return { kind: "other" };
  }
}
