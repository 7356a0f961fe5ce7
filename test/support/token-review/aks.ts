// What AKS's Entra ID integration does with a bearer token: a JWT signed by the tenant (keys from
// its JWKS), issued by the tenant, for the AKS server application (audience), not expired; the
// Kubernetes user of a service principal or managed identity is its object id (oid).
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from "jose";
import { requestJson } from "./fetch-json.js";
import type { ReviewedUser, TokenAuthenticator } from "./webhook.js";

export function entraAuthenticator(options: { jwksUrl: string; issuer: string; audience: string; ca: string }): TokenAuthenticator {
  return async (token): Promise<ReviewedUser> => {
    const keys = await requestJson(options.jwksUrl, { ca: options.ca });
    if (keys.status !== 200) throw new Error(`JWKS unavailable (HTTP ${keys.status})`);
    const { payload } = await jwtVerify(token, createLocalJWKSet(JSON.parse(keys.body) as JSONWebKeySet), { issuer: options.issuer, audience: options.audience });
    if (typeof payload.oid !== "string") throw new Error("token has no oid");
    return { username: payload.oid, groups: [] };
  };
}
