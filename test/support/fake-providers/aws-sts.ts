// A local AWS account for tests: STS (GetCallerIdentity signed or presigned, AssumeRole,
// AssumeRoleWithWebIdentity) speaking the real query protocol (form or query parameters in, XML
// out; GetCallerIdentity also in JSON for `Accept: application/json`, as aws-iam-authenticator
// asks), and an EKS Pod Identity agent (GET /v1/credentials). It checks what AWS checks: every
// signature (SigV4, sigv4-verify.ts) against the secret of the signing key, session tokens and
// their expiry, role trust policies, and web identity tokens (RS256 JWTs verified against the
// issuer's public key, audience, expiry, subject). Sessions live `sessionSeconds`.
import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { importSPKI, jwtVerify } from "jose";
import { readBody, sendJson, startLoopbackServer, type FakeServer, type TlsIdentity } from "./server.js";
import { SignatureError, signatureInfo, verifySignature, type SignedRequest } from "./sigv4-verify.js";

export interface AwsKeys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface RoleTrust {
  /** Principals (user ARNs, or role ARNs for any session of that role) allowed to AssumeRole. */
  principals?: string[];
  /** Web identities allowed to AssumeRoleWithWebIdentity: issuer, audience and `sub`. */
  webIdentity?: { issuer: string; audience: string; subjects: string[] };
  /** EKS Pod Identity associations: ServiceAccount subjects (system:serviceaccount:ns:name). */
  podIdentity?: string[];
}

export interface StsCall {
  action: string;
  caller?: string;
  ok: boolean;
  code?: string;
}

export interface FakeAws extends FakeServer {
  account: string;
  /** Life of sessions issued from now on. */
  sessionSeconds: number;
  calls: StsCall[];
  addUser(name: string): AwsKeys & { arn: string };
  addRole(name: string, trust: RoleTrust): string;
  /** Lets one more web identity subject assume a role. */
  allowWebIdentity(roleArn: string, subject: string): void;
  /** Sessions issued so far, as ARNs with their expiry. */
  sessions(): Array<{ arn: string; expiresAt: Date; accessKeyId: string }>;
  /** Verifies a signed request as a service would; answers the caller's ARN. */
  authenticate(request: SignedRequest, service: string, presignedValidSeconds?: number): string;
}

interface Principal {
  arn: string;
  userId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiresAt?: Date;
  /** For sessions: the role they are a session of. */
  roleArn?: string;
}

const NS = "https://sts.amazonaws.com/doc/2011-06-15/";
const escapeXml = (text: string) => text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

function xml(action: string, result: Record<string, unknown>): string {
  const render = (value: unknown): string =>
    typeof value === "object" && value !== null
      ? Object.entries(value as Record<string, unknown>)
          .map(([key, inner]) => `<${key}>${render(inner)}</${key}>`)
          .join("")
      : escapeXml(String(value));
  return `<${action}Response xmlns="${NS}"><${action}Result>${render(result)}</${action}Result><ResponseMetadata><RequestId>${randomBytes(8).toString("hex")}</RequestId></ResponseMetadata></${action}Response>`;
}

class StsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const keyId = (prefix: string) => `${prefix}${randomBytes(8).toString("hex").toUpperCase()}`;

export async function startFakeAws(options: { tls?: TlsIdentity; sessionSeconds?: number; account?: string; webIdentityKeys?: Record<string, string> } = {}): Promise<FakeAws> {
  const account = options.account ?? "111122223333";
  const principals = new Map<string, Principal>();
  const roles = new Map<string, RoleTrust>();
  const issuerKeys = options.webIdentityKeys ?? {};

  const issueSession = (roleArn: string, sessionName: string): AwsKeys & { expiresAt: Date; arn: string; roleId: string } => {
    const roleName = roleArn.split("/").pop()!;
    const roleId = `AROA${randomBytes(6).toString("hex").toUpperCase()}`;
    const accessKeyId = keyId("ASIA");
    const secretAccessKey = randomBytes(20).toString("base64");
    const sessionToken = randomBytes(48).toString("base64");
    const expiresAt = new Date(Date.now() + fake.sessionSeconds * 1000);
    const arn = `arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}`;
    principals.set(accessKeyId, { arn, userId: `${roleId}:${sessionName}`, secretAccessKey, sessionToken, expiresAt, roleArn });
    return { accessKeyId, secretAccessKey, sessionToken, expiresAt, arn, roleId };
  };

  const authenticate = (request: SignedRequest, service: string, presignedValidSeconds?: number): Principal => {
    let info;
    try {
      info = signatureInfo(request);
      const principal = principals.get(info.accessKeyId);
      if (!principal) throw new StsError(403, "InvalidClientTokenId", "The security token included in the request is invalid.");
      if (principal.sessionToken !== undefined) {
        if (info.sessionToken !== principal.sessionToken) throw new StsError(403, "InvalidClientTokenId", "The security token included in the request is invalid.");
        if (principal.expiresAt && principal.expiresAt.getTime() < Date.now()) throw new StsError(403, "ExpiredToken", "The security token included in the request is expired");
      }
      verifySignature(request, info, principal.secretAccessKey, { service, presignedValidSeconds });
      return principal;
    } catch (error) {
      if (error instanceof SignatureError) throw new StsError(403, error.code, error.message);
      throw error;
    }
  };

  const verifyWebToken = async (token: string, audience: string): Promise<{ issuer: string; subject: string }> => {
    const unverified = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8") || "{}") as { iss?: string };
    const pem = unverified.iss ? issuerKeys[unverified.iss] : undefined;
    if (!pem) throw new StsError(400, "InvalidIdentityToken", "No OpenIDConnect provider found in your account for the token's issuer");
    try {
      const { payload } = await jwtVerify(token, await importSPKI(pem, "RS256"), { issuer: unverified.iss, audience });
      return { issuer: unverified.iss!, subject: String(payload.sub) };
    } catch (error) {
      throw new StsError(400, (error as { code?: string }).code === "ERR_JWT_EXPIRED" ? "ExpiredTokenException" : "InvalidIdentityToken", `web identity token refused: ${(error as Error).message}`);
    }
  };

  const handle = async (request: IncomingMessage, body: string): Promise<{ status: number; type: string; text: string }> => {
    const url = new URL(request.url ?? "/", "http://placeholder");
    const signed: SignedRequest = { method: request.method ?? "GET", url: request.url ?? "/", headers: request.headers, body };
    if (url.pathname === "/v1/credentials") {
      // EKS Pod Identity agent: the projected ServiceAccount token in Authorization.
      const token = String(request.headers.authorization ?? "");
      const { subject } = await verifyWebToken(token, "pods.eks.amazonaws.com");
      const role = [...roles].find(([, trust]) => trust.podIdentity?.includes(subject));
      if (!role) throw new StsError(400, "AccessDeniedException", `no Pod Identity association for ${subject}`);
      const session = issueSession(role[0], `eks-pod-identity-${randomBytes(3).toString("hex")}`);
      fake.calls.push({ action: "AssumeRoleForPodIdentity", caller: subject, ok: true });
      return {
        status: 200,
        type: "application/json",
        text: JSON.stringify({ AccessKeyId: session.accessKeyId, SecretAccessKey: session.secretAccessKey, Token: session.sessionToken, AccountId: account, Expiration: session.expiresAt.toISOString() }),
      };
    }
    const params = request.method === "POST" ? new URLSearchParams(body) : url.searchParams;
    const action = params.get("Action") ?? "";
    if (action === "AssumeRoleWithWebIdentity") {
      const roleArn = params.get("RoleArn") ?? "";
      const trust = roles.get(roleArn);
      const identity = await verifyWebToken(params.get("WebIdentityToken") ?? "", trust?.webIdentity?.audience ?? "sts.amazonaws.com");
      if (!trust?.webIdentity || trust.webIdentity.issuer !== identity.issuer || !trust.webIdentity.subjects.includes(identity.subject)) {
        throw new StsError(403, "AccessDenied", `Not authorized to perform sts:AssumeRoleWithWebIdentity on ${roleArn}`);
      }
      const session = issueSession(roleArn, params.get("RoleSessionName") ?? "web-identity");
      fake.calls.push({ action, caller: identity.subject, ok: true });
      return { status: 200, type: "text/xml", text: xml(action, sessionResult(session)) };
    }
    const caller = authenticate(signed, "sts", 15 * 60);
    if (action === "GetCallerIdentity") {
      fake.calls.push({ action, caller: caller.arn, ok: true });
      const result = { Arn: caller.arn, UserId: caller.userId, Account: account };
      if (String(request.headers.accept ?? "").includes("application/json")) {
        return { status: 200, type: "application/json", text: JSON.stringify({ GetCallerIdentityResponse: { GetCallerIdentityResult: result, ResponseMetadata: { RequestId: "1" } } }) };
      }
      return { status: 200, type: "text/xml", text: xml(action, result) };
    }
    if (action === "AssumeRole") {
      const roleArn = params.get("RoleArn") ?? "";
      const trust = roles.get(roleArn);
      const who = caller.roleArn ?? caller.arn;
      if (!trust?.principals?.includes(who)) throw new StsError(403, "AccessDenied", `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`);
      const session = issueSession(roleArn, params.get("RoleSessionName") ?? "session");
      fake.calls.push({ action, caller: caller.arn, ok: true });
      return { status: 200, type: "text/xml", text: xml(action, sessionResult(session)) };
    }
    throw new StsError(400, "InvalidAction", `Could not find operation ${action}`);
  };

  const server = await startLoopbackServer(async (request, response) => {
    const body = await readBody(request);
    try {
      const answer = await handle(request, body);
      response.writeHead(answer.status, { "Content-Type": answer.type, "Content-Length": Buffer.byteLength(answer.text) });
      response.end(answer.text);
    } catch (error) {
      if (!(error instanceof StsError)) throw error;
      const params = request.method === "POST" ? new URLSearchParams(body) : new URL(request.url ?? "/", "http://x").searchParams;
      fake.calls.push({ action: params.get("Action") ?? request.url ?? "", ok: false, code: error.code });
      if (request.url?.startsWith("/v1/credentials")) return sendJson(response, error.status, { code: error.code, message: error.message });
      const text = `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>${error.code}</Code><Message>${escapeXml(error.message)}</Message></Error><RequestId>1</RequestId></ErrorResponse>`;
      response.writeHead(error.status, { "Content-Type": "text/xml", "Content-Length": Buffer.byteLength(text) });
      response.end(text);
    }
  }, 20_000, options.tls);
  const fake: FakeAws = {
    url: server.url,
    get requests() {
      return server.requests;
    },
    stop: () => server.stop(),
    account,
    sessionSeconds: options.sessionSeconds ?? 3600,
    calls: [],
    addUser(name) {
      const accessKeyId = keyId("AKIA");
      const secretAccessKey = randomBytes(20).toString("base64");
      const arn = `arn:aws:iam::${account}:user/${name}`;
      principals.set(accessKeyId, { arn, userId: `AIDA${randomBytes(6).toString("hex").toUpperCase()}`, secretAccessKey });
      return { accessKeyId, secretAccessKey, arn };
    },
    addRole(name, trust) {
      const arn = `arn:aws:iam::${account}:role/${name}`;
      roles.set(arn, trust);
      return arn;
    },
    allowWebIdentity(roleArn, subject) {
      roles.get(roleArn)?.webIdentity?.subjects.push(subject);
    },
    sessions: () =>
      [...principals.entries()].filter(([, p]) => p.expiresAt).map(([accessKeyId, p]) => ({ arn: p.arn, expiresAt: p.expiresAt!, accessKeyId })),
    authenticate: (request, service, presignedValidSeconds) => authenticate(request, service, presignedValidSeconds).arn,
  };
  return fake;
}

function sessionResult(session: AwsKeys & { expiresAt: Date; arn: string; roleId: string }): Record<string, unknown> {
  return {
    Credentials: { AccessKeyId: session.accessKeyId, SecretAccessKey: session.secretAccessKey, SessionToken: session.sessionToken, Expiration: session.expiresAt.toISOString() },
    AssumedRoleUser: { Arn: session.arn, AssumedRoleId: `${session.roleId}:${session.arn.split("/").pop()}` },
  };
}
