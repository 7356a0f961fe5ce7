// Every registry credential provider, one folder each (provider.ts says what a provider is).
// Adding a provider is its folder, its tests and one line here (docs/architecture.md).
import { acrProvider } from "./acr/index.js";
import { dockerHubProvider } from "./dockerhub/index.js";
import { ecrProvider } from "./ecr/index.js";
import { googleProvider } from "./google/index.js";
import { privateRegistryProvider } from "./private-registry/index.js";
import type { ProviderConfig, RegistryProvider } from "./provider.js";
import type { RegistryAuth } from "../types.js";

export const providers: readonly RegistryProvider[] = [
  dockerHubProvider,
  ecrProvider,
  googleProvider,
  acrProvider,
  privateRegistryProvider,
];

export const providerNames = providers.map((provider) => provider.name) as [string, ...string[]];

export function providerByName(name: string): RegistryProvider | undefined {
  return providers.find((provider) => provider.name === name);
}

export type ProviderFetch = (config: ProviderConfig, options?: { signal?: AbortSignal }) => Promise<RegistryAuth[]>;

/** Runs the provider a configuration names. */
export const fetchCredentials: ProviderFetch = async (config, options = {}) => {
  const provider = providerByName(config.provider);
  if (!provider) throw new Error(`unknown provider ${config.provider}`);
  return provider.fetch(config, options);
};
