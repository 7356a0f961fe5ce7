// Configuration -> CredentialSpecs. Two inputs, one result:
// - registry-creds compatible: the environment of registry-creds' Deployment and its Secrets
//   registry-creds-dockerhub/-ecr/-gcr/-acr/-private (and -dpr) in Ferry's namespace, producing
//   registry-creds' Secret names. A Secret's value wins over the environment (the environment
//   is a snapshot taken at start; the Secret is live, which is what makes rotation restart-free).
// - native: the cluster-scoped RegistryCredential resource, parameters by Secret reference.
// What each provider reads is its own (providers/); this file is what they share. Pure: Secrets
// arrive decoded, nothing is read or written here.
import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import { targetsSchema } from "../core/label-selector-schema.js";
import type { ConflictPolicy, LabelSelector, TargetSelection } from "../core/types.js";
import { providerByName, providerNames, providers } from "./providers/index.js";
import { commaList, type CompatInput, type ProviderConfig, type ProviderResult, type RegistryProvider } from "./providers/provider.js";
import type { CredentialSpec } from "./types.js";

export const DEFAULT_SERVICE_ACCOUNTS = ["default"];

/** registry-creds' configuration Secrets (in Ferry's namespace) and the Secrets they produce, by provider. */
export const compatSecrets: Readonly<Record<string, { config: readonly string[]; output: string }>> = Object.fromEntries(
  providers.map((provider) => [provider.name, { config: provider.compat.configSecrets, output: provider.compat.output }]),
);

export const compatConfigSecretNames: string[] = providers.flatMap((provider) => [...provider.compat.configSecrets]);

export type Env = Record<string, string | undefined>;
/** Decoded Secret data by Secret name (Ferry's namespace). */
export type SecretValues = ReadonlyMap<string, Record<string, string>>;

// Hashes of configurations are salted per process: they are compared, never shown or stored.
const salt = randomBytes(16);

export function configHash(value: unknown): string {
  return createHash("sha256").update(salt).update(JSON.stringify(value ?? null)).digest("hex").slice(0, 32);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value;
}

/** Looks a key up in the given Secrets (first found wins), then in the environment under any of the names. */
function lookup(secrets: SecretValues, secretNames: readonly string[], keys: readonly string[], env: Env, envNames: readonly string[] = keys): string | undefined {
  for (const name of secretNames) {
    const data = secrets.get(name);
    if (!data) continue;
    const value = first(data, keys);
    if (value !== undefined) return value;
  }
  for (const name of envNames) {
    const value = nonEmpty(env[name]);
    if (value !== undefined) return value.trim();
  }
  return undefined;
}

function first(data: Record<string, string> | undefined, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const value = nonEmpty(data?.[key]);
    if (value !== undefined) return value.trim();
  }
  return undefined;
}

function compatSpec(provider: RegistryProvider, env: Env, result: ProviderResult<ProviderConfig>): CredentialSpec {
  const secretName = provider.compat.output;
  const problem = result.problem;
  const spec: CredentialSpec = {
    id: `registry-creds/${provider.name}`,
    secretName,
    provider: provider.name,
    targets: { namespaces: [], allNamespaces: true, exclude: [] },
    serviceAccounts: [...DEFAULT_SERVICE_ACCOUNTS],
    conflict: env.FERRY_REGISTRY_CONFLICT === "overwrite" ? "overwrite" : "skip",
    configHash: configHash({ provider: provider.name, secretName, config: result.config ?? null, problem: problem ?? null }),
  };
  if (result.config) spec.config = result.config;
  if (problem) spec.problem = problem;
  return spec;
}

/** The credentials registry-creds' configuration asks for. A provider none of whose values is set is not configured. */
export function compatCredentials(env: Env, secrets: SecretValues): CredentialSpec[] {
  const specs: CredentialSpec[] = [];
  for (const provider of providers) {
    const from = provider.compat.configSecrets;
    const input: CompatInput = {
      lookup: (keys, envNames) => lookup(secrets, from, keys, env, envNames),
      list: (keys, envNames) => commaList(lookup(secrets, from, keys, env, envNames)),
      hasSecret: () => secrets.has(from[0]!),
      env,
    };
    const result = provider.fromCompat(input);
    if (result) specs.push(compatSpec(provider, env, result));
  }
  return specs;
}

// ---------------------------------------------------------------------------------------------
// Native: RegistryCredential (ferry.dev/v1alpha1, cluster-scoped)

const objectName = z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "must be a DNS subdomain name").max(253);

export const registryCredentialSpecSchema = z.object({
  provider: z.enum(providerNames),
  secretName: objectName.optional(),
  secretRef: z.object({ name: objectName }).optional(),
  registries: z.array(z.string().min(1)).default([]),
  // Each provider's own field (e.g. spec.ecr).
  ...Object.fromEntries(providers.flatMap((provider) => (provider.specField ? [[provider.specField.name, provider.specField.schema.optional()]] : []))),
  targets: targetsSchema.optional(),
  serviceAccounts: z.array(objectName).optional(),
  conflict: z.enum(["skip", "overwrite"]).default("skip"),
});

export type RegistryCredentialSpec = z.infer<typeof registryCredentialSpecSchema>;

export interface RegistryCredentialObject {
  metadata: { name: string; uid?: string; generation?: number };
  spec?: unknown;
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
  const provider = providerByName(spec.provider)!;
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
  } else if (!spec.secretRef && !provider.secretRefOptional) {
    problem = { reason: "InvalidSpec", message: `provider ${spec.provider} needs spec.secretRef` };
  } else {
    const result = provider.fromResource({
      registries: spec.registries,
      field: provider.specField ? (spec as Record<string, unknown>)[provider.specField.name] : undefined,
      secretRef: spec.secretRef?.name,
      value: (keys) => first(data, keys),
      need: (keys, label) => {
        const value = first(data, keys);
        if (value === undefined && !problem) problem = { reason: "IncompleteConfiguration", message: `Secret ${spec.secretRef?.name ?? ""} has no ${label}` };
        return value ?? "";
      },
      env,
    });
    problem ??= result.problem;
    config = result.config;
  }
  const result: CredentialSpec = {
    ...base,
    secretName,
    provider: spec.provider,
    targets,
    serviceAccounts: spec.serviceAccounts ?? [...DEFAULT_SERVICE_ACCOUNTS],
    conflict: spec.conflict as ConflictPolicy,
    configHash: configHash({ secretName, config: problem ? null : config, problem: problem ?? null }),
  };
  if (problem) result.problem = problem;
  else if (config) result.config = config;
  return result;
}

/** The secret values inside a configuration, for redaction of error messages. */
export function configSecrets(config: ProviderConfig | { provider: string; [field: string]: unknown } | undefined): string[] {
  if (!config) return [];
  return providerByName(config.provider)?.secretValues(config) ?? [];
}
