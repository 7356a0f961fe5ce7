// A TokenReview webhook for a member control plane (kube-apiserver
// --authentication-token-webhook-config-file): what EKS, GKE and AKS run in front of their API
// servers. It hands each bearer token to a cloud authenticator (eks.ts, gke.ts, aks.ts) and
// answers authentication.k8s.io/v1 TokenReview with the user it maps to, or a refusal. Every
// review is recorded (with a digest of the token, never the token) so tests can see renewals.
import { createHash } from "node:crypto";
import { readBody, startLoopbackServer, type FakeServer, type TlsIdentity } from "../fake-providers/server.js";

export interface ReviewedUser {
  username: string;
  uid?: string;
  groups?: string[];
}

export type TokenAuthenticator = (token: string) => Promise<ReviewedUser>;

export interface Review {
  at: number;
  /** sha256 of the token, first 16 hex digits. */
  token: string;
  user?: string;
  error?: string;
}

export interface TokenReviewWebhook extends FakeServer {
  reviews: Review[];
}

export const tokenDigest = (token: string) => createHash("sha256").update(token).digest("hex").slice(0, 16);

export async function startTokenReviewWebhook(tls: TlsIdentity, authenticate: TokenAuthenticator): Promise<TokenReviewWebhook> {
  const reviews: Review[] = [];
  const server = await startLoopbackServer(
    async (request, response) => {
      const review = JSON.parse(await readBody(request)) as { apiVersion?: string; spec?: { token?: string } };
      const token = review.spec?.token ?? "";
      let status: Record<string, unknown>;
      try {
        const user = await authenticate(token);
        reviews.push({ at: Date.now(), token: tokenDigest(token), user: user.username });
        status = { authenticated: true, user: { username: user.username, ...(user.uid ? { uid: user.uid } : {}), groups: [...(user.groups ?? []), "system:authenticated"] } };
      } catch (error) {
        reviews.push({ at: Date.now(), token: tokenDigest(token), error: (error as Error).message });
        status = { authenticated: false, error: (error as Error).message };
      }
      const body = JSON.stringify({ apiVersion: review.apiVersion ?? "authentication.k8s.io/v1", kind: "TokenReview", status });
      response.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) });
      response.end(body);
    },
    50_000,
    tls,
  );
  return { ...server, get requests() { return server.requests; }, reviews };
}
