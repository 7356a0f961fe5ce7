// Registry credentials: what a provider produces and what configures it. Pure types.
import type { ConflictPolicy, TargetSelection } from "../core/types.js";

/** One registry login, as it goes into a dockerconfigjson `auths` entry. */
export interface RegistryAuth {
  /** Registry host or URL, used as the `auths` key (e.g. `https://index.docker.io/v1/`). */
  registry: string;
  username: string;
  password: string;
  /** When the credential stops working (short-lived tokens); absent for static logins. */
  expiresAt?: Date;
}

export type ProviderName = "dockerhub" | "ecr" | "google" | "acr" | "dockerconfigjson";

export interface AwsStaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** A provider with everything it needs to produce logins (secret values included: never log it). */
export type ProviderConfig =
  | { provider: "dockerhub"; registry: string; username: string; password: string }
  | {
      provider: "ecr";
      /** Registry (account) ids; empty: the caller's own account. */
      accounts: string[];
      regions: string[];
      /** Static keys; absent: the SDK's default chain (environment, web identity/IRSA, profiles, containers). */
      credentials?: AwsStaticCredentials;
      /** A role to assume with those credentials first (registry-creds' aws_assume_role). */
      roleArn?: string;
      /** Endpoint override (else the SDK reads AWS_ENDPOINT_URL_ECR / AWS_ENDPOINT_URL itself). */
      endpoint?: string;
    }
  | { provider: "google"; registries: string[]; serviceAccountJson: string; mode: "accessToken" | "jsonKey" }
  | { provider: "acr"; registries: string[]; clientId: string; clientSecret: string }
  | {
      provider: "dockerconfigjson";
      /** A dockerconfigjson document given as-is (may be absent when only `logins` are given). */
      dockerConfigJson?: string;
      /** Extra user/password logins (registry-creds' DOCKER_PRIVATE_REGISTRY_*). */
      logins: Array<{ registry: string; username: string; password: string }>;
    };

/** One credential Ferry keeps: where it comes from, what it produces and where it goes. */
export interface CredentialSpec {
  /** Stable id: `registry-creds/<provider>` (compatible configuration) or `RegistryCredential/<name>`. */
  id: string;
  /** Name of the generated Secret in Ferry's namespace (and of its copies). */
  secretName: string;
  provider: ProviderName;
  /** Absent when the configuration is incomplete or invalid (see `problem`). */
  config?: ProviderConfig;
  problem?: { reason: string; message: string };
  targets: TargetSelection;
  serviceAccounts: string[];
  conflict: ConflictPolicy;
  /** Hash of the configuration (values included, never shown): a change means fetch now. */
  configHash: string;
  /** The RegistryCredential this spec comes from (native configuration). */
  resource?: { name: string; uid?: string; generation?: number };
}
