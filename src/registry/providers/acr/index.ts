// Azure Container Registry: a service principal's client id and secret as basic auth, which is
// what registry-creds does (ACR accepts them directly). One login per registry URL.
// registry-creds: ACR_URL (comma list), ACR_CLIENT_ID, ACR_PASSWORD (registry-creds-acr).
import type { RegistryAuth } from "../../types.js";
import { commaList, missing, type RegistryProvider } from "../provider.js";

export interface AcrConfig {
  provider: "acr";
  registries: string[];
  clientId: string;
  clientSecret: string;
}

export async function fetchAcr(config: AcrConfig): Promise<RegistryAuth[]> {
  return config.registries.map((registry) => ({ registry, username: config.clientId, password: config.clientSecret }));
}

export const acrProvider: RegistryProvider<AcrConfig> = {
  name: "acr",
  description: "service principal basic auth",
  compat: { configSecrets: ["registry-creds-acr"], output: "acr-secret" },
  fromCompat({ lookup, list }) {
    const urls = list(["ACR_URL"]);
    const clientId = lookup(["ACR_CLIENT_ID"]);
    const clientSecret = lookup(["ACR_PASSWORD"]);
    if (urls.length === 0 && !clientId && !clientSecret) return undefined;
    if (urls.length === 0 || !clientId || !clientSecret) return { problem: missing([urls.length === 0 && "ACR_URL", !clientId && "ACR_CLIENT_ID", !clientSecret && "ACR_PASSWORD"]) };
    return { config: { provider: "acr", registries: urls, clientId, clientSecret } };
  },
  fromResource({ registries, value, need }) {
    if (registries.length === 0 && value(["ACR_URL"]) === undefined) return { problem: { reason: "InvalidSpec", message: "provider acr needs spec.registries (or ACR_URL in the Secret)" } };
    const clientId = need(["ACR_CLIENT_ID", "username"], "ACR_CLIENT_ID (or username)");
    const clientSecret = need(["ACR_PASSWORD", "password"], "ACR_PASSWORD (or password)");
    return { config: { provider: "acr", registries: registries.length > 0 ? [...registries] : commaList(value(["ACR_URL"])), clientId, clientSecret } };
  },
  secretValues: (config) => [config.clientSecret],
  fetch: (config) => fetchAcr(config),
};
