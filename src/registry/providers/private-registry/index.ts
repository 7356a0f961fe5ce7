// Any private registry: a dockerconfigjson given as-is, plus registry-creds'
// DOCKER_PRIVATE_REGISTRY_SERVER/USER/PASSWORD login, merged into one document.
import { parseDockerConfig } from "../dockerconfig.js";
import type { ProviderConfig, RegistryAuth } from "../types.js";

export async function fetchPrivateRegistry(config: Extract<ProviderConfig, { provider: "dockerconfigjson" }>): Promise<RegistryAuth[]> {
  const logins: RegistryAuth[] = config.dockerConfigJson ? parseDockerConfig(config.dockerConfigJson) : [];
  for (const login of config.logins) logins.push({ ...login });
  return logins;
}
