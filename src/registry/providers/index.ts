// Runs the provider a configuration names. The AWS SDK and google-auth-library are loaded only
// when a configuration uses them: most clusters need neither, and each costs megabytes of heap.
import type { ProviderConfig, RegistryAuth } from "../types.js";
import { fetchAcr } from "./acr.js";
import { fetchDockerHub } from "./dockerhub.js";
import { fetchPrivateRegistry } from "./private-registry.js";

export type ProviderFetch = (config: ProviderConfig, options?: { signal?: AbortSignal }) => Promise<RegistryAuth[]>;

export const fetchCredentials: ProviderFetch = async (config, options = {}) => {
  switch (config.provider) {
    case "dockerhub":
      return fetchDockerHub(config);
    case "ecr":
      return (await import("./ecr.js")).fetchEcr(config, options);
    case "google":
      return (await import("./google.js")).fetchGoogle(config);
    case "acr":
      return fetchAcr(config);
    case "dockerconfigjson":
      return fetchPrivateRegistry(config);
  }
};
