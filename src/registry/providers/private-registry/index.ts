// Any private registry: a dockerconfigjson given as-is, plus registry-creds'
// DOCKER_PRIVATE_REGISTRY_SERVER/USER/PASSWORD login, merged into one document.
// registry-creds: registry-creds-private (the seed's --from-file=.dockerconfigjson) or -dpr.
import { parseDockerConfig } from "../../dockerconfig.js";
import type { RegistryAuth } from "../../types.js";
import { missing, type RegistryProvider } from "../provider.js";

export interface PrivateRegistryConfig {
  provider: "dockerconfigjson";
  /** A dockerconfigjson document given as-is (may be absent when only `logins` are given). */
  dockerConfigJson?: string;
  /** Extra user/password logins (registry-creds' DOCKER_PRIVATE_REGISTRY_*). */
  logins: Array<{ registry: string; username: string; password: string }>;
}

export async function fetchPrivateRegistry(config: PrivateRegistryConfig): Promise<RegistryAuth[]> {
  const logins: RegistryAuth[] = config.dockerConfigJson ? parseDockerConfig(config.dockerConfigJson) : [];
  for (const login of config.logins) logins.push({ ...login });
  return logins;
}

export const privateRegistryProvider: RegistryProvider<PrivateRegistryConfig> = {
  name: "dockerconfigjson",
  description: "given as-is",
  compat: { configSecrets: ["registry-creds-private", "registry-creds-dpr"], output: "dpr-secret" },
  fromCompat({ lookup }) {
    const document = lookup([".dockerconfigjson", ".dockercfg"], []);
    const server = lookup(["DOCKER_PRIVATE_REGISTRY_SERVER"]);
    const user = lookup(["DOCKER_PRIVATE_REGISTRY_USER"]);
    const password = lookup(["DOCKER_PRIVATE_REGISTRY_PASSWORD"]);
    if (!document && !server && !user && !password) return undefined;
    if ((server || user || password) && !(server && user && password)) {
      return { problem: missing([!server && "DOCKER_PRIVATE_REGISTRY_SERVER", !user && "DOCKER_PRIVATE_REGISTRY_USER", !password && "DOCKER_PRIVATE_REGISTRY_PASSWORD"]) };
    }
    return {
      config: { provider: "dockerconfigjson", ...(document ? { dockerConfigJson: document } : {}), logins: server && user && password ? [{ registry: server, username: user, password }] : [] },
    };
  },
  fromResource({ need }) {
    return { config: { provider: "dockerconfigjson", dockerConfigJson: need([".dockerconfigjson", ".dockercfg"], ".dockerconfigjson"), logins: [] } };
  },
  secretValues: (config) => [config.dockerConfigJson ?? "", ...config.logins.map((login) => login.password)],
  fetch: (config) => fetchPrivateRegistry(config),
};
