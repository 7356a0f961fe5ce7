// Google Container Registry / Artifact Registry: a service-account JSON turned into an OAuth
// access token by google-auth-library (user `oauth2accesstoken`), or the JSON key itself as a
// static login (user `_json_key`). The JSON's token_uri is honoured: google-auth-library signs
// its assertion for and posts it to Google's token endpoint, so a different token_uri (a
// private or test endpoint) is reached by rewriting that one request on the client's transport.
import { JWT } from "google-auth-library";
import type { RegistryAuth } from "../../types.js";
import type { GoogleConfig } from "./index.js";

export const GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token";
export const GOOGLE_SCOPE = "https://www.googleapis.com/auth/cloud-platform";

export class GoogleCredentialError extends Error {
  override name = "GoogleCredentialError";
}

interface ServiceAccountJson {
  type?: string;
  client_email?: string;
  private_key?: string;
  private_key_id?: string;
  token_uri?: string;
}

export function readServiceAccount(text: string): Required<Pick<ServiceAccountJson, "client_email" | "private_key">> & ServiceAccountJson {
  let json: ServiceAccountJson;
  try {
    json = JSON.parse(text) as ServiceAccountJson;
  } catch {
    throw new GoogleCredentialError("the service-account key is not valid JSON");
  }
  if (typeof json !== "object" || json === null) throw new GoogleCredentialError("the service-account key is not a JSON object");
  if (json.type !== undefined && json.type !== "service_account") throw new GoogleCredentialError(`the key is of type ${JSON.stringify(String(json.type).slice(0, 40))}, not service_account`);
  if (typeof json.client_email !== "string" || typeof json.private_key !== "string") throw new GoogleCredentialError("the service-account key lacks client_email or private_key");
  return json as Required<Pick<ServiceAccountJson, "client_email" | "private_key">> & ServiceAccountJson;
}

export async function fetchGoogle(config: GoogleConfig): Promise<RegistryAuth[]> {
  const account = readServiceAccount(config.serviceAccountJson);
  if (config.mode === "jsonKey") {
    return config.registries.map((registry) => ({ registry, username: "_json_key", password: config.serviceAccountJson }));
  }
  const client = new JWT({ email: account.client_email, key: account.private_key, keyId: account.private_key_id, scopes: [GOOGLE_SCOPE] });
  const tokenUri = account.token_uri;
  if (tokenUri && tokenUri !== GOOGLE_TOKEN_URL) {
    if (!/^https?:\/\//.test(tokenUri)) throw new GoogleCredentialError("token_uri must be an http(s) URL");
    client.transporter.interceptors.request.add({
      resolved: async (options) => {
        if (String(options.url) === GOOGLE_TOKEN_URL) options.url = new URL(tokenUri);
        return options;
      },
    });
  }
  let token: string | null | undefined;
  try {
    token = (await client.getAccessToken()).token;
  } catch (error) {
    const status = (error as { status?: number; response?: { status?: number } }).response?.status;
    throw new GoogleCredentialError(`the token endpoint refused the service account ${account.client_email}${status ? ` (HTTP ${status})` : ""}: ${(error as Error).message}`);
  }
  if (!token) throw new GoogleCredentialError("the token endpoint returned no access token");
  const expiry = client.credentials.expiry_date;
  return config.registries.map((registry) => {
    const auth: RegistryAuth = { registry, username: "oauth2accesstoken", password: token };
    if (typeof expiry === "number") auth.expiresAt = new Date(expiry);
    return auth;
  });
}
