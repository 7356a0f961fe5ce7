// What a registry credential provider is: one folder under providers/ that says everything about
// one kind of registry login. Its name (RegistryCredential.spec.provider), its registry-creds
// compatibility (configuration Secrets, environment, produced Secret name), its configuration from
// either input (config -> credential spec), the secret values in a configuration (redaction), and
// the fetch (-> logins with their expiry). Adding one: docs/architecture.md.
import type { z } from "zod";
import type { RegistryAuth } from "../types.js";

/** A provider's configuration: everything it needs to fetch (secret values included: never log it). */
export interface ProviderConfig {
  provider: string;
}

/** A configuration, or why there is none. */
export type ProviderResult<C extends ProviderConfig> = { config: C; problem?: undefined } | { config?: undefined; problem: { reason: string; message: string } };

/** registry-creds compatible input: its configuration Secrets (in Ferry's namespace) first, then its environment. */
export interface CompatInput {
  /** The first non-empty value under any of `keys` in the provider's configuration Secrets, else in the environment under `envNames` (default: the keys). */
  lookup(keys: readonly string[], envNames?: readonly string[]): string | undefined;
  /** The same, as a comma list. */
  list(keys: readonly string[], envNames?: readonly string[]): string[];
  /** Whether one of the provider's configuration Secrets exists. */
  hasSecret(): boolean;
  env: Readonly<Record<string, string | undefined>>;
}

/** A RegistryCredential's input for this provider. */
export interface ResourceInput {
  /** spec.registries. */
  registries: readonly string[];
  /** The provider's own spec field (specField), validated by its schema; undefined when absent. */
  field: unknown;
  /** spec.secretRef's name, if given. */
  secretRef?: string;
  /** The first non-empty value of the referenced Secret under any of `keys`. */
  value(keys: readonly string[]): string | undefined;
  /** The same, required: a missing value becomes the credential's IncompleteConfiguration problem. */
  need(keys: readonly string[], label: string): string;
  env: Readonly<Record<string, string | undefined>>;
}

export interface RegistryProvider<C extends ProviderConfig = ProviderConfig> {
  /** RegistryCredential.spec.provider, and CredentialSpec.provider. */
  name: string;
  /** A sentence for the CRD's description of spec.provider. */
  description: string;
  /** registry-creds compatibility: the configuration Secrets it read, and the Secret it produced in every namespace. */
  compat: { configSecrets: readonly string[]; output: string };
  /** A RegistryCredential may omit spec.secretRef (e.g. ECR with the SDK's default credential chain). */
  secretRefOptional?: boolean;
  /** A field of RegistryCredential.spec for this provider only (e.g. spec.ecr): its parser's schema and the CRD's. */
  specField?: { name: string; schema: z.ZodType; crd: Record<string, unknown> };
  /** registry-creds configuration -> a configuration or a problem; undefined when none of its values is set. */
  fromCompat(input: CompatInput): ProviderResult<C> | undefined;
  /** A RegistryCredential -> a configuration or a problem. */
  fromResource(input: ResourceInput): ProviderResult<C>;
  /** The secret values in a configuration, cut out of every message about it. */
  secretValues(config: C): string[];
  /** Fetches the logins (with their expiry, for tokens). */
  fetch(config: C, options: { signal?: AbortSignal }): Promise<RegistryAuth[]>;
}

/** A comma list: items trimmed, empty ones dropped. */
export function commaList(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

/** Names of the values that are missing, as a problem. */
export function missing(what: readonly (string | false | undefined)[]): { reason: string; message: string } {
  return { reason: "IncompleteConfiguration", message: `missing ${what.filter((x): x is string => Boolean(x)).join(", ")}` };
}
