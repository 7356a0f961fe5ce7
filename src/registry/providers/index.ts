// Runs the provider a configuration names.
import type { ProviderConfig, RegistryAuth } from "../types.js";
import { fetchAcr } from "./acr.js";
import { fetchDockerHub } from "./dockerhub.js";
import { fetchEcr } from "./ecr.js";
import { fetchGoogle } from "./google.js";
import { fetchPrivateRegistry } from "./private-registry.js";

export type ProviderFetch = (config: ProviderConfig, options?: { signal?: AbortSignal }) => Promise<RegistryAuth[]>;

export const fetchCredentials: ProviderFetch = async (config, options = {}) => {
  switch (config.provider) {
    case "dockerhub":
      return fetchDockerHub(config);
    case "ecr":
      return fetchEcr(config, options);
    case "google":
      return fetchGoogle(config);
    case "acr":
      return fetchAcr(config);
    case "dockerconfigjson":
      return fetchPrivateRegistry(config);
  }
};
