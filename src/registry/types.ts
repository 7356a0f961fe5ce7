// Registry credentials: what a provider produces, and the credentials Ferry keeps. Pure types.
import type { ConflictPolicy, TargetSelection } from "../core/types.js";
import type { ProviderConfig } from "./providers/provider.js";

/** One registry login, as it goes into a dockerconfigjson `auths` entry. */
export interface RegistryAuth {
  /** Registry host or URL, used as the `auths` key (e.g. `https://index.docker.io/v1/`). */
  registry: string;
  username: string;
  password: string;
  /** When the credential stops working (short-lived tokens); absent for static logins. */
  expiresAt?: Date;
}

/** One credential Ferry keeps: where it comes from, what it produces and where it goes. */
export interface CredentialSpec {
  /** Stable id: `registry-creds/<provider>` (compatible configuration) or `RegistryCredential/<name>`. */
  id: string;
  /** Name of the generated Secret in Ferry's namespace (and of its copies). */
  secretName: string;
  /** The provider's name (providers/index.ts). */
  provider: string;
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
