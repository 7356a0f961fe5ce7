// Azure Container Registry: a service principal's client id and secret as basic auth, which is
// what registry-creds does (ACR accepts them directly). One login per registry URL.
import type { ProviderConfig, RegistryAuth } from "../types.js";

export async function fetchAcr(config: Extract<ProviderConfig, { provider: "acr" }>): Promise<RegistryAuth[]> {
  return config.registries.map((registry) => ({ registry, username: config.clientId, password: config.clientSecret }));
}
