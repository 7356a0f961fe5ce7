// What aws-iam-authenticator's server does with a bearer token (pkg/token/token.go, read, not
// copied): `k8s-aws-v1.` + base64url (no padding) of a presigned URL; https on an allowed STS
// host; path `/`; only the allowed query parameters, once each; Action=GetCallerIdentity;
// x-k8s-aws-id among the signed headers; 0 <= X-Amz-Expires <= 900; X-Amz-Date no older than 15
// minutes. Then it replays the URL against STS with its own cluster id in x-k8s-aws-id (so a
// token signed for another cluster fails there), reads the caller's ARN, canonicalises an
// assumed-role ARN to its role and maps it like aws-auth's mapRoles / an access entry.
import { requestJson } from "./fetch-json.js";
import type { ReviewedUser, TokenAuthenticator } from "./webhook.js";

const PREFIX = "k8s-aws-v1.";
const ALLOWED = new Set(["action", "version", "x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-expires", "x-amz-security-token", "x-amz-signature", "x-amz-signedheaders"]);

export interface EksAuthenticatorOptions {
  /** This cluster's id (its name): what tokens must have signed as x-k8s-aws-id. */
  clusterId: string;
  /** host:port of the STS endpoints accepted in tokens (the local stand-in's). */
  stsHosts: string[];
  /** CA of the STS stand-in's certificate. */
  ca: string;
  /** aws-auth mapRoles / access entries: role ARN -> Kubernetes user and groups. */
  mapRoles: Array<{ rolearn: string; username: string; groups?: string[] }>;
}

function fail(message: string): never {
  throw new Error(message);
}

/** arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION -> arn:aws:iam::ACCOUNT:role/ROLE. */
function canonicalArn(arn: string): string {
  const m = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(arn);
  return m ? `arn:${m[1]}:iam::${m[2]}:role/${m[3]}` : arn;
}

export function eksAuthenticator(options: EksAuthenticatorOptions): TokenAuthenticator {
  return async (token): Promise<ReviewedUser> => {
    if (!token.startsWith(PREFIX)) fail(`token is missing expected "${PREFIX}" prefix`);
    const encoded = token.slice(PREFIX.length);
    if (!/^[A-Za-z0-9_-]*$/.test(encoded)) fail("token is not base64url without padding");
    const url = new URL(Buffer.from(encoded, "base64url").toString("utf8"));
    if (url.protocol !== "https:") fail(`unexpected scheme "${url.protocol.slice(0, -1)}" in pre-signed URL`);
    if (!options.stsHosts.includes(url.host)) fail(`unexpected hostname "${url.hostname}" in pre-signed URL`);
    if (url.pathname !== "/") fail("unexpected path in pre-signed URL");
    const lower = new Map<string, string>();
    for (const [key, value] of url.searchParams) {
      const name = key.toLowerCase();
      if (!ALLOWED.has(name)) fail(`non-whitelisted query parameter "${key}"`);
      if (lower.has(name)) fail(`duplicate query parameter found: "${key}"`);
      lower.set(name, value);
    }
    if (lower.get("action") !== "GetCallerIdentity") fail("unexpected action parameter in pre-signed URL");
    if (!(lower.get("x-amz-signedheaders") ?? "").split(";").some((h) => h.toLowerCase() === "x-k8s-aws-id")) fail("client did not sign the x-k8s-aws-id header in the pre-signed URL");
    const expires = Number(lower.get("x-amz-expires"));
    if (!Number.isInteger(expires) || expires < 0 || expires > 900) fail(`invalid X-Amz-Expires parameter in pre-signed URL: ${lower.get("x-amz-expires")}`);
    const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(lower.get("x-amz-date") ?? "");
    if (!date) fail("X-Amz-Date parameter must be present in pre-signed URL");
    const signedAt = Date.UTC(Number(date[1]), Number(date[2]) - 1, Number(date[3]), Number(date[4]), Number(date[5]), Number(date[6]));
    if (Date.now() > signedAt + 15 * 60_000) fail("X-Amz-Date parameter is expired (15 minute expiration)");
    const answer = await requestJson(url.href, { ca: options.ca, headers: { "x-k8s-aws-id": options.clusterId, accept: "application/json" } });
    if (answer.status !== 200) fail(`error from AWS (expected 200, got ${answer.status}). Body: ${answer.body.slice(0, 300)}`);
    const result = (JSON.parse(answer.body) as { GetCallerIdentityResponse: { GetCallerIdentityResult: { Arn: string; UserId: string } } }).GetCallerIdentityResponse.GetCallerIdentityResult;
    const arn = canonicalArn(result.Arn);
    const mapping = options.mapRoles.find((entry) => entry.rolearn === arn);
    if (!mapping) fail(`ARN is not mapped: ${arn}`);
    return { username: mapping.username, uid: `aws-iam-authenticator:${result.UserId.split(":")[0]}`, groups: mapping.groups ?? [] };
  };
}
