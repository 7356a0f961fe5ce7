// Configuration -> CredentialSpecs. Two inputs, one result:
// - registry-creds compatible: the environment of registry-creds' Deployment and the Secrets
//   registry-creds-dockerhub/-ecr/-gcr/-acr/-private (and -dpr) in Ferry's namespace, producing
//   registry-creds' Secret names. A Secret's value wins over the environment (the environment
//   is a snapshot taken at start; the Secret is live, which is what makes rotation restart-free).
// - native: the cluster-scoped RegistryCredential resource, parameters by Secret reference.
// Pure: Secrets arrive decoded, nothing is read or written here.
import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import { labelSelectorSchema } from "../core/label-selector-schema.js";
import type { ConflictPolicy, LabelSelector, TargetSelection } from "../core/types.js";
import type { CredentialSpec, ProviderConfig, ProviderName } from "./types.js";

export const DOCKERHUB_DEFAULT_REGISTRY = "https://index.docker.io/v1/";
export const GCR_DEFAULT_URL = "https://gcr.io";
export const ECR_DEFAULT_REGION = "us-east-1";
export const DEFAULT_SERVICE_ACCOUNTS = ["default"];

/** registry-creds' configuration Secrets (in Ferry's namespace) and the Secrets they produce. */
export const compatSecrets = {
  dockerhub: { config: ["registry-creds-dockerhub"], output: "dockerhub-secret" },
  ecr: { config: ["registry-creds-ecr"], output: "awsecr-cred" },
  google: { config: ["registry-creds-gcr"], output: "gcr-secret" },
  acr: { config: ["registry-creds-acr"], output: "acr-secret" },
  dockerconfigjson: { config: ["registry-creds-private", "registry-creds-dpr"], output: "dpr-secret" },
} as const satisfies Record<ProviderName, { config: readonly string[]; output: string }>;

export const compatConfigSecretNames: string[] = Object.values(compatSecrets).flatMap((entry) => [...entry.config]);

export type Env = Record<string, string | undefined>;
/** Decoded Secret data by Secret name (Ferry's namespace). */
export type SecretValues = ReadonlyMap<string, Record<string, string>>;

// Hashes of configurations are salted per process: they are compared, never shown or stored.
const salt = randomBytes(16);

export function configHash(value: unknown): string {
  return createHash("sha256").update(salt).update(JSON.stringify(value ?? null)).digest("hex").slice(0, 32);
}

function list(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value;
}

/** Looks a key up in the given Secrets (first found wins), then in the environment under any of the names. */
function lookup(secrets: SecretValues, secretNames: readonly string[], keys: readonly string[], env: Env, envNames: readonly string[] = keys): string | undefined {
  for (const name of secretNames) {
    const data = secrets.get(name);
    if (!data) continue;
    for (const key of keys) {
      const value = nonEmpty(data[key]);
      if (value !== undefined) return value.trim();
    }
  }
  for (const name of envNames) {
    const value = nonEmpty(env[name]);
    if (value !== undefined) return value.trim();
  }
  return undefined;
}

function compatConflict(env: Env): ConflictPolicy {
  return env.FERRY_REGISTRY_CONFLICT === "overwrite" ? "overwrite" : "skip";
}

function compatSpec(provider: ProviderName, env: Env, config: ProviderConfig | undefined, problem?: CredentialSpec["problem"]): CredentialSpec {
  const secretName = compatSecrets[provider].output;
  const targets: TargetSelection = { namespaces: [], allNamespaces: true, exclude: [] };
  const spec: CredentialSpec = {
    id: `registry-creds/${provider}`,
    secretName,
    provider,
    targets,
    serviceAccounts: [...DEFAULT_SERVICE_ACCOUNTS],
    conflict: compatConflict(env),
    configHash: configHash({ provider, secretName, config: config ?? null, problem: problem ?? null }),
  };
  if (config) spec.config = config;
  if (problem) spec.problem = problem;
  return spec;
}

function missing(what: string[]): CredentialSpec["problem"] {
  return { reason: "IncompleteConfiguration", message: `missing ${what.join(", ")}` };
}

/** The credentials registry-creds' configuration asks for. A provider none of whose values is set is not configured. */
export function compatCredentials(env: Env, secrets: SecretValues): CredentialSpec[] {
  const specs: CredentialSpec[] = [];

  // Docker Hub: DOCKER_USER / DOCKER_PASSWORD (registry-creds-dockerhub), DOCKER_SERVER optional.
  {
    const from = compatSecrets.dockerhub.config;
    const username = lookup(secrets, from, ["DOCKER_USER"], env);
    const password = lookup(secrets, from, ["DOCKER_PASSWORD"], env);
    const registry = lookup(secrets, from, ["DOCKER_SERVER"], env) ?? DOCKERHUB_DEFAULT_REGISTRY;
    if (username || password) {
      const absent = [!username && "DOCKER_USER", !password && "DOCKER_PASSWORD"].filter((x): x is string => Boolean(x));
      specs.push(
        absent.length > 0
          ? compatSpec("dockerhub", env, undefined, missing(absent))
          : compatSpec("dockerhub", env, { provider: "dockerhub", registry, username: username!, password: password! }),
      );
    }
  }

  // AWS ECR: accounts and regions (comma lists), static keys or the SDK's default chain.
  {
    const from = compatSecrets.ecr.config;
    const accounts = list(lookup(secrets, from, ["awsaccount", "aws-account"], env, ["awsaccount"]));
    const regions = list(lookup(secrets, from, ["awsregion", "aws-region"], env, ["awsregion"]));
    const accessKeyId = lookup(secrets, from, ["AWS_ACCESS_KEY_ID"], env);
    const secretAccessKey = lookup(secrets, from, ["AWS_SECRET_ACCESS_KEY"], env);
    const sessionToken = lookup(secrets, from, ["AWS_SESSION_TOKEN"], env);
    const assumeRole = lookup(secrets, from, ["aws_assume_role", "aws-assume-role"], env, ["aws_assume_role"]);
    const endpoint = nonEmpty(env.AWS_ENDPOINT_URL_ECR) ?? nonEmpty(env.AWS_ENDPOINT_URL);
    const configured = accounts.length > 0 || secrets.has(from[0]) || Boolean(accessKeyId);
    if (configured) {
      if (assumeRole) {
        specs.push(
          compatSpec("ecr", env, undefined, {
            reason: "Unsupported",
            message: "aws_assume_role is not supported: use the SDK's default chain (IRSA / AWS_ROLE_ARN with a web identity token, or a profile with role_arn)",
          }),
        );
      } else if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) {
        specs.push(compatSpec("ecr", env, undefined, missing([accessKeyId ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID"])));
      } else {
        const config: ProviderConfig = { provider: "ecr", accounts, regions: regions.length > 0 ? regions : [ECR_DEFAULT_REGION] };
        if (accessKeyId && secretAccessKey) config.credentials = { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
        if (endpoint) config.endpoint = endpoint;
        specs.push(compatSpec("ecr", env, config));
      }
    }
  }

  // Google (GCR / Artifact Registry): a service-account JSON, GCR_URL (comma list) optional.
  {
    const from = compatSecrets.google.config;
    const json = lookup(secrets, from, ["application_default_credentials.json", "GCR_APPLICATION_DEFAULT_CREDENTIALS"], env, ["GCR_APPLICATION_DEFAULT_CREDENTIALS"]);
    const urls = list(lookup(secrets, from, ["GCR_URL", "gcrurl"], env, ["GCR_URL", "gcrurl"]));
    const mode = lookup(secrets, from, ["GCR_AUTH_MODE"], env);
    if (json) {
      if (mode !== undefined && mode !== "access-token" && mode !== "json-key") {
        specs.push(compatSpec("google", env, undefined, { reason: "InvalidConfiguration", message: 'GCR_AUTH_MODE must be "access-token" or "json-key"' }));
      } else {
        specs.push(
          compatSpec("google", env, {
            provider: "google",
            registries: urls.length > 0 ? urls : [GCR_DEFAULT_URL],
            serviceAccountJson: json,
            mode: mode === "json-key" ? "jsonKey" : "accessToken",
          }),
        );
      }
    }
  }

  // Azure ACR: a service principal's client id and secret as basic auth (registry-creds' ACR_*).
  {
    const from = compatSecrets.acr.config;
    const urls = list(lookup(secrets, from, ["ACR_URL"], env));
    const clientId = lookup(secrets, from, ["ACR_CLIENT_ID"], env);
    const clientSecret = lookup(secrets, from, ["ACR_PASSWORD"], env);
    if (urls.length > 0 || clientId || clientSecret) {
      const absent = [urls.length === 0 && "ACR_URL", !clientId && "ACR_CLIENT_ID", !clientSecret && "ACR_PASSWORD"].filter((x): x is string => Boolean(x));
      specs.push(
        absent.length > 0
          ? compatSpec("acr", env, undefined, missing(absent))
          : compatSpec("acr", env, { provider: "acr", registries: urls, clientId: clientId!, clientSecret: clientSecret! }),
      );
    }
  }

  // Any private registry: a dockerconfigjson as-is (registry-creds-private), and/or registry-creds'
  // DOCKER_PRIVATE_REGISTRY_SERVER/USER/PASSWORD.
  {
    const from = compatSecrets.dockerconfigjson.config;
    const document = lookup(secrets, from, [".dockerconfigjson", ".dockercfg"], env, []);
    const server = lookup(secrets, from, ["DOCKER_PRIVATE_REGISTRY_SERVER"], env);
    const user = lookup(secrets, from, ["DOCKER_PRIVATE_REGISTRY_USER"], env);
    const password = lookup(secrets, from, ["DOCKER_PRIVATE_REGISTRY_PASSWORD"], env);
    if (document || server || user || password) {
      const partial = (server || user || password) && !(server && user && password);
      if (partial) {
        const absent = [!server && "DOCKER_PRIVATE_REGISTRY_SERVER", !user && "DOCKER_PRIVATE_REGISTRY_USER", !password && "DOCKER_PRIVATE_REGISTRY_PASSWORD"].filter(
          (x): x is string => Boolean(x),
        );
        specs.push(compatSpec("dockerconfigjson", env, undefined, missing(absent)));
      } else {
        specs.push(
          compatSpec("dockerconfigjson", env, {
            provider: "dockerconfigjson",
            ...(document ? { dockerConfigJson: document } : {}),
            logins: server && user && password ? [{ registry: server, username: user, password }] : [],
          }),
        );
      }
    }
  }
  return specs;
}

// ---------------------------------------------------------------------------------------------
// Native: RegistryCredential (ferry.dev/v1alpha1, cluster-scoped)

export const targetsSchema = z.object({
  namespaces: z.array(z.string()).default([]),
  namespaceSelector: labelSelectorSchema.optional(),
  allNamespaces: z.boolean().default(false),
  exclude: z.array(z.string()).default([]),
});

const objectName = z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "must be a DNS subdomain name").max(253);

export const registryCredentialSpecSchema = z.object({
  provider: z.enum(["dockerhub", "ecr", "google", "acr", "dockerconfigjson"]),
  secretName: objectName.optional(),
  secretRef: z.object({ name: objectName }).optional(),
  registries: z.array(z.string().min(1)).default([]),
  ecr: z
    .object({ accounts: z.array(z.string().regex(/^\d{12}$/, "must be a 12-digit account id")).default([]), regions: z.array(z.string().min(1)).default([]), endpoint: z.string().url().optional() })
    .optional(),
  google: z.object({ authMode: z.enum(["accessToken", "jsonKey"]).default("accessToken") }).optional(),
  targets: targetsSchema.optional(),
  serviceAccounts: z.array(objectName).optional(),
  conflict: z.enum(["skip", "overwrite"]).default("skip"),
});

export type RegistryCredentialSpec = z.infer<typeof registryCredentialSpecSchema>;

export interface RegistryCredentialObject {
  metadata: { name: string; uid?: string; generation?: number };
  spec?: unknown;
}

function first(data: Record<string, string> | undefined, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const value = nonEmpty(data?.[key]);
    if (value !== undefined) return value.trim();
  }
  return undefined;
}

/** One RegistryCredential -> one CredentialSpec (with a problem instead of a config when it is unusable). */
export function nativeCredential(resource: RegistryCredentialObject, secrets: SecretValues, env: Env, ferryNamespace: string): CredentialSpec {
  const name = resource.metadata.name;
  const base = {
    id: `RegistryCredential/${name}`,
    resource: { name, uid: resource.metadata.uid, generation: resource.metadata.generation },
  };
  const parsed = registryCredentialSpecSchema.safeParse(resource.spec ?? {});
  if (!parsed.success) {
    const message = parsed.error.issues.map((issue) => `spec.${issue.path.join(".")}: ${issue.message}`).join("; ");
    const problem = { reason: "InvalidSpec", message };
    return {
      ...base,
      secretName: name,
      provider: "dockerconfigjson",
      problem,
      targets: { namespaces: [], allNamespaces: false, exclude: [] },
      serviceAccounts: [],
      conflict: "skip",
      configHash: configHash({ problem }),
    };
  }
  const spec = parsed.data;
  const t = spec.targets;
  const targets: TargetSelection = t
    ? { namespaces: t.namespaces, allNamespaces: t.allNamespaces, exclude: t.exclude, ...(t.namespaceSelector ? { namespaceSelector: t.namespaceSelector as LabelSelector } : {}) }
    : { namespaces: [], allNamespaces: true, exclude: [] };
  const secretName = spec.secretName ?? name;
  const data = spec.secretRef ? secrets.get(spec.secretRef.name) : undefined;
  let config: ProviderConfig | undefined;
  let problem: CredentialSpec["problem"];
  if (spec.secretRef && !data) {
    problem = { reason: "SecretNotFound", message: `Secret ${ferryNamespace}/${spec.secretRef.name} (spec.secretRef) does not exist` };
  } else if (!spec.secretRef && spec.provider !== "ecr") {
    problem = { reason: "InvalidSpec", message: `provider ${spec.provider} needs spec.secretRef` };
  } else {
    const need = (keys: string[], label: string) => {
      const value = first(data, keys);
      if (value === undefined && !problem) problem = { reason: "IncompleteConfiguration", message: `Secret ${spec.secretRef?.name ?? ""} has no ${label}` };
      return value ?? "";
    };
    switch (spec.provider) {
      case "dockerhub": {
        const username = need(["DOCKER_USER", "username"], "DOCKER_USER (or username)");
        const password = need(["DOCKER_PASSWORD", "password"], "DOCKER_PASSWORD (or password)");
        config = { provider: "dockerhub", registry: spec.registries[0] ?? DOCKERHUB_DEFAULT_REGISTRY, username, password };
        break;
      }
      case "ecr": {
        const accessKeyId = first(data, ["AWS_ACCESS_KEY_ID"]);
        const secretAccessKey = first(data, ["AWS_SECRET_ACCESS_KEY"]);
        const sessionToken = first(data, ["AWS_SESSION_TOKEN"]);
        if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) problem = missing([accessKeyId ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID"]);
        const endpoint = spec.ecr?.endpoint ?? nonEmpty(env.AWS_ENDPOINT_URL_ECR) ?? nonEmpty(env.AWS_ENDPOINT_URL);
        const regions = spec.ecr?.regions ?? [];
        config = {
          provider: "ecr",
          accounts: spec.ecr?.accounts ?? [],
          regions: regions.length > 0 ? regions : [ECR_DEFAULT_REGION],
          ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } } : {}),
          ...(endpoint ? { endpoint } : {}),
        };
        break;
      }
      case "google": {
        const json = need(["application_default_credentials.json", "key.json", "GCR_APPLICATION_DEFAULT_CREDENTIALS"], "application_default_credentials.json (or key.json)");
        config = {
          provider: "google",
          registries: spec.registries.length > 0 ? spec.registries : [GCR_DEFAULT_URL],
          serviceAccountJson: json,
          mode: spec.google?.authMode ?? "accessToken",
        };
        break;
      }
      case "acr": {
        if (spec.registries.length === 0 && first(data, ["ACR_URL"]) === undefined) problem = { reason: "InvalidSpec", message: "provider acr needs spec.registries (or ACR_URL in the Secret)" };
        const clientId = need(["ACR_CLIENT_ID", "username"], "ACR_CLIENT_ID (or username)");
        const clientSecret = need(["ACR_PASSWORD", "password"], "ACR_PASSWORD (or password)");
        config = { provider: "acr", registries: spec.registries.length > 0 ? spec.registries : list(first(data, ["ACR_URL"])), clientId, clientSecret };
        break;
      }
      case "dockerconfigjson": {
        const document = need([".dockerconfigjson", ".dockercfg"], ".dockerconfigjson");
        config = { provider: "dockerconfigjson", dockerConfigJson: document, logins: [] };
        break;
      }
    }
  }
  const result: CredentialSpec = {
    ...base,
    secretName,
    provider: spec.provider,
    targets,
    serviceAccounts: spec.serviceAccounts ?? [...DEFAULT_SERVICE_ACCOUNTS],
    conflict: spec.conflict,
    configHash: configHash({ secretName, config: problem ? null : config, problem: problem ?? null }),
  };
  if (problem) result.problem = problem;
  else if (config) result.config = config;
  return result;
}

/** The secret values inside a configuration, for redaction of error messages. */
export function configSecrets(config: ProviderConfig | undefined): string[] {
  if (!config) return [];
  switch (config.provider) {
    case "dockerhub":
      return [config.password];
    case "ecr":
      return config.credentials ? [config.credentials.secretAccessKey, config.credentials.sessionToken ?? ""] : [];
    case "google": {
      const values = [config.serviceAccountJson];
      try {
        const key = (JSON.parse(config.serviceAccountJson) as { private_key?: string }).private_key;
        if (key) values.push(key, ...key.split("\n").filter((line) => line.length >= 16));
      } catch {
        // not JSON: the whole text is redacted
      }
      return values;
    }
    case "acr":
      return [config.clientSecret];
    case "dockerconfigjson":
      return [config.dockerConfigJson ?? "", ...config.logins.map((login) => login.password)];
  }
}
