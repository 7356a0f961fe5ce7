// A local Microsoft Entra ID tenant for AKS tests, speaking what MSAL and AKS use: OpenID
// discovery (/{tenant}/v2.0/.well-known/openid-configuration), the v2.0 token endpoint with the
// client-credentials grant (a client secret, or a client assertion: a federated ServiceAccount
// token verified against its issuer's key, audience api://AzureADTokenExchange and subject, as
// workload identity federation does), and the tenant's JWKS. Access tokens are RS256 JWTs for
// the requested resource (`<app id>/.default`), with the claims AKS reads (aud, iss, tid, oid,
// appid), living `lifetimeSeconds`. HTTPS only, as MSAL insists.
import { generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
import { SignJWT, exportJWK, importSPKI, jwtVerify } from "jose";
import { readBody, sendJson, startLoopbackServer, type FakeServer, type TlsIdentity } from "./server.js";

export interface ServicePrincipal {
  clientId: string;
  objectId: string;
  secret: string;
}

export interface FederatedCredential {
  issuer: string;
  /** ServiceAccount subjects allowed to sign in as the principal. */
  subjects: string[];
  publicKeyPem: string;
}

export interface FakeEntraId extends FakeServer {
  tenantId: string;
  /** The authority host to give MSAL (AZURE_AUTHORITY_HOST). */
  authorityHost: string;
  /** The v1 issuer in access tokens. */
  issuer: string;
  jwksUrl: string;
  lifetimeSeconds: number;
  addServicePrincipal(name: string, federated?: FederatedCredential): ServicePrincipal;
  /** Lets one more ServiceAccount subject sign in as a principal with a federated credential. */
  trustSubject(clientId: string, subject: string): void;
  issued: Array<{ clientId: string; expiresAt: Date; token: string }>;
  refused: Array<{ clientId: string; reason: string }>;
}

export async function startFakeEntraId(options: { tls: TlsIdentity; lifetimeSeconds?: number }): Promise<FakeEntraId> {
  const tenantId = randomUUID();
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = randomBytes(8).toString("hex");
  const jwk = { ...(await exportJWK(publicKey)), kid, use: "sig", alg: "RS256" };
  const principals = new Map<string, ServicePrincipal & { federated?: FederatedCredential }>();
  const issuer = `https://sts.windows.net/${tenantId}/`;

  const server = await startLoopbackServer(
    async (request, response) => {
      const url = new URL(request.url ?? "/", "https://placeholder");
      const base = fake.url;
      if (url.pathname === `/${tenantId}/v2.0/.well-known/openid-configuration`) {
        return sendJson(response, 200, {
          token_endpoint: `${base}/${tenantId}/oauth2/v2.0/token`,
          authorization_endpoint: `${base}/${tenantId}/oauth2/v2.0/authorize`,
          end_session_endpoint: `${base}/${tenantId}/oauth2/v2.0/logout`,
          jwks_uri: `${base}/${tenantId}/discovery/v2.0/keys`,
          issuer: `${base}/${tenantId}/v2.0`,
          token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
          response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
          tenant_region_scope: "EU",
        });
      }
      if (url.pathname === `/${tenantId}/discovery/v2.0/keys`) return sendJson(response, 200, { keys: [jwk] });
      if (url.pathname !== `/${tenantId}/oauth2/v2.0/token` || request.method !== "POST") return sendJson(response, 404, { error: "not_found" });
      const form = new URLSearchParams(await readBody(request));
      const clientId = form.get("client_id") ?? "";
      const refuse = (status: number, error: string, description: string) => {
        fake.refused.push({ clientId, reason: description });
        return sendJson(response, status, { error, error_description: description, error_codes: [7000215], timestamp: new Date().toISOString(), trace_id: randomUUID(), correlation_id: randomUUID() });
      };
      if (form.get("grant_type") !== "client_credentials") return refuse(400, "unsupported_grant_type", "AADSTS70003: only client_credentials here");
      const principal = principals.get(clientId);
      if (!principal) return refuse(400, "unauthorized_client", `AADSTS700016: Application with identifier '${clientId}' was not found in the directory`);
      const assertion = form.get("client_assertion");
      if (assertion) {
        if (form.get("client_assertion_type") !== "urn:ietf:params:oauth:client-assertion-type:jwt-bearer") return refuse(400, "invalid_request", "AADSTS50027: wrong client_assertion_type");
        const federated = principal.federated;
        if (!federated) return refuse(401, "invalid_client", "AADSTS70021: No matching federated identity record found");
        try {
          const { payload } = await jwtVerify(assertion, await importSPKI(federated.publicKeyPem, "RS256"), { issuer: federated.issuer, audience: "api://AzureADTokenExchange" });
          if (!federated.subjects.includes(String(payload.sub))) throw new Error(`no federated credential for subject ${String(payload.sub)}`);
        } catch (error) {
          return refuse(401, "invalid_client", `AADSTS700211: the federated token was refused: ${(error as Error).message}`);
        }
      } else if (form.get("client_secret") !== principal.secret) {
        return refuse(401, "invalid_client", "AADSTS7000215: Invalid client secret provided.");
      }
      const scope = form.get("scope") ?? "";
      const resource = scope.split(" ").find((s) => s.endsWith("/.default"))?.slice(0, -"/.default".length);
      if (!resource) return refuse(400, "invalid_scope", "AADSTS1002012: The provided value for scope is not valid: client credentials need <resource>/.default");
      const now = Math.floor(Date.now() / 1000);
      const expiresIn = fake.lifetimeSeconds;
      const token = await new SignJWT({ tid: tenantId, oid: principal.objectId, appid: clientId, idtyp: "app", ver: "1.0", uti: randomBytes(16).toString("base64url") })
        .setProtectedHeader({ alg: "RS256", kid, typ: "JWT" })
        .setIssuer(issuer)
        .setAudience(resource)
        .setSubject(principal.objectId)
        .setIssuedAt(now)
        .setNotBefore(now - 5)
        .setExpirationTime(now + expiresIn)
        .sign(privateKey);
      fake.issued.push({ clientId, expiresAt: new Date((now + expiresIn) * 1000), token });
      return sendJson(response, 200, { token_type: "Bearer", expires_in: expiresIn, ext_expires_in: expiresIn, access_token: token });
    },
    5_000,
    options.tls,
  );
  const fake: FakeEntraId = {
    url: server.url,
    get requests() {
      return server.requests;
    },
    stop: () => server.stop(),
    tenantId,
    authorityHost: `${server.url}/`,
    issuer,
    jwksUrl: `${server.url}/${tenantId}/discovery/v2.0/keys`,
    lifetimeSeconds: options.lifetimeSeconds ?? 3600,
    addServicePrincipal(_name, federated) {
      const principal = { clientId: randomUUID(), objectId: randomUUID(), secret: randomBytes(18).toString("base64url"), ...(federated ? { federated: { ...federated, subjects: [...federated.subjects] } } : {}) };
      principals.set(principal.clientId, principal);
      return { clientId: principal.clientId, objectId: principal.objectId, secret: principal.secret };
    },
    trustSubject(clientId, subject) {
      principals.get(clientId)?.federated?.subjects.push(subject);
    },
    issued: [],
    refused: [],
  };
  return fake;
}
