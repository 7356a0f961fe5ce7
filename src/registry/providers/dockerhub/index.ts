// Docker Hub (or any registry with a user and password/access token): a static login.
import type { ProviderConfig, RegistryAuth } from "../types.js";

export async function fetchDockerHub(config: Extract<ProviderConfig, { provider: "dockerhub" }>): Promise<RegistryAuth[]> {
  return [{ registry: config.registry, username: config.username, password: config.password }];
}
