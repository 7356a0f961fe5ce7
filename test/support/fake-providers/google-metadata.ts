// A local Google for GKE tests: the metadata server a pod with GKE Workload Identity reaches
// (google-auth-library finds it through GCE_METADATA_HOST, its own setting: GET
// /computeMetadata/v1/instance/service-accounts/default/token with `Metadata-Flavor: Google`,
// answered {access_token, expires_in, token_type}), and the OAuth tokeninfo endpoint that GKE's
// authenticator asks about a bearer token (GET /tokeninfo?access_token=...: email, scope,
// expires_in; 400 invalid_token when unknown or expired). Tokens live `lifetimeSeconds`.
import { randomBytes } from "node:crypto";
import { sendJson, startLoopbackServer, type FakeServer } from "./server.js";

export interface FakeGoogleMetadata extends FakeServer {
  /** host:port, the value of GCE_METADATA_HOST. */
  host: string;
  email: string;
  lifetimeSeconds: number;
  issued: Array<{ token: string; expiresAt: Date }>;
}

const SCOPES = ["https://www.googleapis.com/auth/cloud-platform", "https://www.googleapis.com/auth/userinfo.email"];

export async function startFakeGoogleMetadata(options: { email: string; lifetimeSeconds?: number; project?: string }): Promise<FakeGoogleMetadata> {
  const tokens = new Map<string, { expiresAt: Date; scopes: string[] }>();
  const server = await startLoopbackServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://placeholder");
    if (url.pathname === "/tokeninfo") {
      const known = tokens.get(url.searchParams.get("access_token") ?? "");
      const seconds = known ? Math.floor((known.expiresAt.getTime() - Date.now()) / 1000) : -1;
      if (!known || seconds <= 0) return sendJson(response, 400, { error: "invalid_token", error_description: "Invalid Value" });
      return sendJson(response, 200, { azp: "100000000000000000001", aud: "100000000000000000001", scope: known.scopes.join(" "), exp: String(Math.floor(known.expiresAt.getTime() / 1000)), expires_in: String(seconds), email: options.email, email_verified: "true", access_type: "online" });
    }
    if (!url.pathname.startsWith("/computeMetadata/v1/")) return sendJson(response, 404, { error: "not found" });
    if (request.headers["metadata-flavor"] !== "Google") return sendJson(response, 403, { error: "Missing Metadata-Flavor:Google header" });
    const text = (status: number, body: string, type = "application/text") => {
      response.writeHead(status, { "Content-Type": type, "Metadata-Flavor": "Google", "Content-Length": Buffer.byteLength(body) });
      response.end(body);
    };
    const path = url.pathname.slice("/computeMetadata/v1/".length).replace(/\/$/, "");
    if (path === "instance" || path === "") return text(200, "attributes/\nservice-accounts/\n");
    if (path === "project/project-id") return text(200, options.project ?? "ferry-test-project");
    if (path === "instance/service-accounts/default/email") return text(200, options.email);
    if (path === "instance/service-accounts/default/token") {
      const requested = url.searchParams.get("scopes")?.split(",").filter(Boolean) ?? SCOPES;
      const token = `ya29.metadata-${randomBytes(12).toString("hex")}`;
      const expiresAt = new Date(Date.now() + fake.lifetimeSeconds * 1000);
      tokens.set(token, { expiresAt, scopes: requested });
      fake.issued.push({ token, expiresAt });
      return text(200, JSON.stringify({ access_token: token, expires_in: fake.lifetimeSeconds, token_type: "Bearer" }), "application/json");
    }
    return text(404, "not found");
  });
  const fake: FakeGoogleMetadata = {
    url: server.url,
    host: server.url.replace(/^http:\/\//, ""),
    get requests() {
      return server.requests;
    },
    stop: () => server.stop(),
    email: options.email,
    lifetimeSeconds: options.lifetimeSeconds ?? 3600,
    issued: [],
  };
  return fake;
}
