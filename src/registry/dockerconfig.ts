// Building and reading `kubernetes.io/dockerconfigjson` documents. Pure.
import type { RegistryAuth } from "./types.js";

export const DOCKER_CONFIG_KEY = ".dockerconfigjson";
export const DOCKER_CONFIG_TYPE = "kubernetes.io/dockerconfigjson";

export interface DockerConfigEntry {
  username?: string;
  password?: string;
  auth?: string;
  [field: string]: unknown;
}

export interface DockerConfig {
  auths: Record<string, DockerConfigEntry>;
}

/** The `auths` document for a list of logins (later entries for the same registry win). Deterministic key order. */
export function buildDockerConfig(auths: readonly RegistryAuth[]): DockerConfig {
  const entries = new Map<string, DockerConfigEntry>();
  for (const { registry, username, password } of auths) {
    entries.set(registry, { username, password, auth: Buffer.from(`${username}:${password}`).toString("base64") });
  }
  const sorted = [...entries.keys()].sort();
  return { auths: Object.fromEntries(sorted.map((key) => [key, entries.get(key)!])) };
}

export function dockerConfigJson(auths: readonly RegistryAuth[]): string {
  return JSON.stringify(buildDockerConfig(auths));
}

export class DockerConfigError extends Error {
  override name = "DockerConfigError";
}

/**
 * Reads a dockerconfigjson (or legacy `.dockercfg`, a bare map) document into logins. Entries
 * with only `auth` are decoded; entries with neither are kept out. Errors never quote the input.
 */
export function parseDockerConfig(text: string): RegistryAuth[] {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new DockerConfigError("the dockerconfigjson is not valid JSON");
  }
  if (typeof document !== "object" || document === null || Array.isArray(document)) throw new DockerConfigError("the dockerconfigjson must be a JSON object");
  const root = document as Record<string, unknown>;
  const auths = "auths" in root ? root.auths : root;
  if (typeof auths !== "object" || auths === null || Array.isArray(auths)) throw new DockerConfigError("the dockerconfigjson has no `auths` object");
  const logins: RegistryAuth[] = [];
  for (const [registry, raw] of Object.entries(auths as Record<string, unknown>)) {
    if (typeof raw !== "object" || raw === null) throw new DockerConfigError(`auths entry ${JSON.stringify(registry)} is not an object`);
    const entry = raw as DockerConfigEntry;
    let username = typeof entry.username === "string" ? entry.username : undefined;
    let password = typeof entry.password === "string" ? entry.password : undefined;
    if ((username === undefined || password === undefined) && typeof entry.auth === "string") {
      const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon < 0) throw new DockerConfigError(`auths entry ${JSON.stringify(registry)} has an auth field that is not base64 of user:password`);
      username = decoded.slice(0, colon);
      password = decoded.slice(colon + 1);
    }
    if (username === undefined || password === undefined) throw new DockerConfigError(`auths entry ${JSON.stringify(registry)} has neither username/password nor auth`);
    logins.push({ registry, username, password });
  }
  if (logins.length === 0) throw new DockerConfigError("the dockerconfigjson has no registries");
  return logins;
}

/** The earliest expiry of a set of logins (undefined when none expires). */
export function earliestExpiry(auths: readonly RegistryAuth[]): Date | undefined {
  let earliest: Date | undefined;
  for (const auth of auths) if (auth.expiresAt && (!earliest || auth.expiresAt < earliest)) earliest = auth.expiresAt;
  return earliest;
}
