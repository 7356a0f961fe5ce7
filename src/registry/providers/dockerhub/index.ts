// Docker Hub (or any registry with a user and password/access token): a static login.
// registry-creds: DOCKER_USER, DOCKER_PASSWORD, optional DOCKER_SERVER (registry-creds-dockerhub).
import type { RegistryAuth } from "../../types.js";
import { missing, type RegistryProvider } from "../provider.js";

export const DOCKERHUB_DEFAULT_REGISTRY = "https://index.docker.io/v1/";

export interface DockerHubConfig {
  provider: "dockerhub";
  registry: string;
  username: string;
  password: string;
}

export async function fetchDockerHub(config: DockerHubConfig): Promise<RegistryAuth[]> {
  return [{ registry: config.registry, username: config.username, password: config.password }];
}

export const dockerHubProvider: RegistryProvider<DockerHubConfig> = {
  name: "dockerhub",
  description: "user + password/token",
  compat: { configSecrets: ["registry-creds-dockerhub"], output: "dockerhub-secret" },
  fromCompat({ lookup }) {
    const username = lookup(["DOCKER_USER"]);
    const password = lookup(["DOCKER_PASSWORD"]);
    const registry = lookup(["DOCKER_SERVER"]) ?? DOCKERHUB_DEFAULT_REGISTRY;
    if (!username && !password) return undefined;
    if (!username || !password) return { problem: missing([!username && "DOCKER_USER", !password && "DOCKER_PASSWORD"]) };
    return { config: { provider: "dockerhub", registry, username, password } };
  },
  fromResource({ registries, need }) {
    const username = need(["DOCKER_USER", "username"], "DOCKER_USER (or username)");
    const password = need(["DOCKER_PASSWORD", "password"], "DOCKER_PASSWORD (or password)");
    return { config: { provider: "dockerhub", registry: registries[0] ?? DOCKERHUB_DEFAULT_REGISTRY, username, password } };
  },
  secretValues: (config) => [config.password],
  fetch: (config) => fetchDockerHub(config),
};
