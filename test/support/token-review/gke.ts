// What GKE does with a Google OAuth access token: ask tokeninfo who it is, require the
// cloud-platform or userinfo.email scope and a verified email, and use the email as the
// Kubernetes user (RBAC binds Google service accounts by email).
import { requestJson } from "./fetch-json.js";
import type { ReviewedUser, TokenAuthenticator } from "./webhook.js";

export function googleAuthenticator(options: { tokeninfoUrl: string; ca?: string }): TokenAuthenticator {
  return async (token): Promise<ReviewedUser> => {
    const answer = await requestJson(`${options.tokeninfoUrl}?access_token=${encodeURIComponent(token)}`, { ca: options.ca });
    if (answer.status !== 200) throw new Error(`tokeninfo refused the token (HTTP ${answer.status})`);
    const info = JSON.parse(answer.body) as { email?: string; email_verified?: string; scope?: string; expires_in?: string };
    if (Number(info.expires_in ?? 0) <= 0) throw new Error("token expired");
    const scopes = (info.scope ?? "").split(" ");
    if (!scopes.includes("https://www.googleapis.com/auth/cloud-platform") && !scopes.includes("https://www.googleapis.com/auth/userinfo.email")) throw new Error("token lacks the cloud-platform or userinfo.email scope");
    if (!info.email || info.email_verified !== "true") throw new Error("token has no verified email");
    return { username: info.email };
  };
}
