// Google Container Registry / Artifact Registry: a service-account JSON turned into an OAuth
// access token (fetch.ts), or the JSON key itself as a static login (`_json_key`).
// registry-creds: application_default_credentials.json (registry-creds-gcr; env
// GCR_APPLICATION_DEFAULT_CREDENTIALS), GCR_URL / gcrurl (comma list), GCR_AUTH_MODE.
import { z } from "zod";
import type { RegistryAuth } from "../../types.js";
import type { RegistryProvider } from "../provider.js";

export const GCR_DEFAULT_URL = "https://gcr.io";

export interface GoogleConfig {
  provider: "google";
  registries: string[];
  serviceAccountJson: string;
  mode: "accessToken" | "jsonKey";
}

/** RegistryCredential.spec.google */
const googleSpecSchema = z.object({ authMode: z.enum(["accessToken", "jsonKey"]).default("accessToken") });
const googleSpecCrd = { type: "object", properties: { authMode: { type: "string", enum: ["accessToken", "jsonKey"], default: "accessToken" } } };

export const googleProvider: RegistryProvider<GoogleConfig> = {
  name: "google",
  description: "service-account JSON -> access token (or _json_key)",
  compat: { configSecrets: ["registry-creds-gcr"], output: "gcr-secret" },
  specField: { name: "google", schema: googleSpecSchema, crd: googleSpecCrd },
  fromCompat({ lookup, list }) {
    const json = lookup(["application_default_credentials.json", "GCR_APPLICATION_DEFAULT_CREDENTIALS"], ["GCR_APPLICATION_DEFAULT_CREDENTIALS"]);
    const urls = list(["GCR_URL", "gcrurl"], ["GCR_URL", "gcrurl"]);
    const mode = lookup(["GCR_AUTH_MODE"]);
    if (!json) return undefined;
    if (mode !== undefined && mode !== "access-token" && mode !== "json-key") return { problem: { reason: "InvalidConfiguration", message: 'GCR_AUTH_MODE must be "access-token" or "json-key"' } };
    return { config: { provider: "google", registries: urls.length > 0 ? urls : [GCR_DEFAULT_URL], serviceAccountJson: json, mode: mode === "json-key" ? "jsonKey" : "accessToken" } };
  },
  fromResource({ registries, field, need }) {
    const spec = field === undefined ? undefined : googleSpecSchema.parse(field);
    const json = need(["application_default_credentials.json", "key.json", "GCR_APPLICATION_DEFAULT_CREDENTIALS"], "application_default_credentials.json (or key.json)");
    return { config: { provider: "google", registries: registries.length > 0 ? [...registries] : [GCR_DEFAULT_URL], serviceAccountJson: json, mode: spec?.authMode ?? "accessToken" } };
  },
  secretValues(config) {
    const values = [config.serviceAccountJson];
    try {
      const key = (JSON.parse(config.serviceAccountJson) as { private_key?: string }).private_key;
      if (key) values.push(key, ...key.split("\n").filter((line) => line.length >= 16));
    } catch {
      // not JSON: the whole text is redacted
    }
    return values;
  },
  // google-auth-library is loaded only when a configuration uses Google.
  fetch: async (config): Promise<RegistryAuth[]> => (await import("./fetch.js")).fetchGoogle(config),
};
