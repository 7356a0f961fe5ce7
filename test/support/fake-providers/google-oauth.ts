// A fake Google OAuth 2.0 token endpoint speaking the real API shape: POST form with
// grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer and assertion=<RS256 JWT>, whose
// signature is verified against the test service account's public key; answers
// {access_token, expires_in, token_type: "Bearer"}. Also makes that service account's JSON key.
import { generateKeyPairSync, randomBytes, verify, type KeyObject } from "node:crypto";
import { readBody, sendJson, startLoopbackServer, type FakeServer } from "./server.js";

export const JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";

export interface TestServiceAccount {
  email: string;
  publicKey: KeyObject;
  /** The service-account JSON key, with token_uri pointing at `tokenUri`. */
  json(tokenUri: string): string;
}

export function makeServiceAccount(name = "ferry-test"): TestServiceAccount {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const email = `${name}@ferry-test-project.iam.gserviceaccount.com`;
  const keyId = randomBytes(20).toString("hex");
  const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  return {
    email,
    publicKey,
    json: (tokenUri) =>
      JSON.stringify({
        type: "service_account",
        project_id: "ferry-test-project",
        private_key_id: keyId,
        private_key: pem,
        client_email: email,
        client_id: "100000000000000000001",
        auth_uri: "https://accounts.google.com/o/oauth2/auth",
        token_uri: tokenUri,
        auth_provider_x509_cert_url: "https://www.googleapis.com/oauth2/v1/certs",
        universe_domain: "googleapis.com",
      }),
  };
}

export interface FakeGoogleOAuth extends FakeServer {
  tokenUri: string;
  lifetimeSeconds: number;
  failing: boolean;
  /** Access tokens handed out, in order. */
  issued: string[];
  /** Assertions refused (bad signature, wrong grant, unknown issuer). */
  refused: number;
}

function b64urlJson(part: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>;
}

export async function startFakeGoogleOAuth(accounts: TestServiceAccount[], options: { lifetimeSeconds?: number } = {}): Promise<FakeGoogleOAuth> {
  let counter = 0;
  const holder: { server?: FakeServer } = {};
  const fake: FakeGoogleOAuth = {
    url: "",
    tokenUri: "",
    get requests() {
      return holder.server?.requests ?? 0;
    },
    stop: async () => holder.server?.stop(),
    lifetimeSeconds: options.lifetimeSeconds ?? 3600,
    failing: false,
    issued: [],
    refused: 0,
  };
  const server = await startLoopbackServer(async (request, response) => {
    const body = new URLSearchParams(await readBody(request));
    if (request.method !== "POST" || request.url !== "/token") {
      sendJson(response, 404, { error: "not_found" });
      return;
    }
    if (fake.failing) {
      sendJson(response, 503, { error: "temporarily_unavailable", error_description: "fake Google outage" });
      return;
    }
    const refuse = (description: string) => {
      fake.refused++;
      sendJson(response, 400, { error: "invalid_grant", error_description: description });
    };
    if (body.get("grant_type") !== JWT_BEARER) return refuse("unsupported grant_type");
    const parts = (body.get("assertion") ?? "").split(".");
    if (parts.length !== 3) return refuse("malformed assertion");
    const [headerPart, claimsPart, signaturePart] = parts as [string, string, string];
    const header = b64urlJson(headerPart);
    const claims = b64urlJson(claimsPart);
    if (header.alg !== "RS256") return refuse("assertion must be RS256");
    const account = accounts.find((candidate) => candidate.email === claims.iss);
    if (!account) return refuse("unknown service account");
    const valid = verify("RSA-SHA256", Buffer.from(`${headerPart}.${claimsPart}`), account.publicKey, Buffer.from(signaturePart, "base64url"));
    if (!valid) return refuse("Invalid JWT Signature.");
    const now = Date.now() / 1000;
    if (typeof claims.exp !== "number" || claims.exp < now || typeof claims.iat !== "number" || claims.iat > now + 60) return refuse("assertion expired or not yet valid");
    if (!String(claims.scope ?? "").split(" ").includes("https://www.googleapis.com/auth/cloud-platform")) return refuse("missing scope");
    const token = `ya29.fake-${++counter}-${randomBytes(6).toString("hex")}`;
    fake.issued.push(token);
    sendJson(response, 200, { access_token: token, expires_in: fake.lifetimeSeconds, token_type: "Bearer" });
  });
  holder.server = server;
  fake.url = server.url;
  fake.tokenUri = `${server.url}/token`;
  return fake;
}
