// An independent AWS Signature Version 4 verifier for the local AWS stand-ins, written from AWS's
// specification (not from the SDK's signer, so a misuse of the signer in Ferry cannot hide):
// canonical request, string to sign, the derived signing key, both forms (Authorization header
// and presigned query), and the time checks the real services make.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

export interface SignedRequest {
  method: string;
  /** Path and query exactly as received (still percent-encoded). */
  url: string;
  /** Header names lower case. */
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface SignatureInfo {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  amzDate: Date;
  sessionToken?: string;
  presigned: boolean;
  /** X-Amz-Expires of a presigned request (seconds). */
  expires?: number;
  /** Query parameters (decoded), presigned ones included. */
  query: URLSearchParams;
}

export class SignatureError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ is %XX. */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

const sha256Hex = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data).digest();

function parseAmzDate(text: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) throw new SignatureError("IncompleteSignature", `X-Amz-Date ${JSON.stringify(text)} is not ISO 8601 basic`);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}

function header(request: SignedRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

/** Reads who signed the request and how (no cryptography yet). */
export function signatureInfo(request: SignedRequest): SignatureInfo {
  const url = new URL(request.url, "http://placeholder");
  const query = url.searchParams;
  const authorization = header(request, "authorization");
  let credential: string;
  let signedHeaders: string;
  let signature: string;
  let amzDateText: string | undefined;
  let presigned = false;
  if (authorization) {
    const m = /^AWS4-HMAC-SHA256 Credential=([^,]+),\s*SignedHeaders=([^,]+),\s*Signature=([0-9a-f]+)$/.exec(authorization.trim());
    if (!m) throw new SignatureError("IncompleteSignature", "Authorization header is not AWS4-HMAC-SHA256");
    [credential, signedHeaders, signature] = [m[1]!, m[2]!, m[3]!];
    amzDateText = header(request, "x-amz-date");
  } else if (query.get("X-Amz-Algorithm") === "AWS4-HMAC-SHA256") {
    presigned = true;
    credential = query.get("X-Amz-Credential") ?? "";
    signedHeaders = query.get("X-Amz-SignedHeaders") ?? "";
    signature = query.get("X-Amz-Signature") ?? "";
    amzDateText = query.get("X-Amz-Date") ?? undefined;
  } else {
    throw new SignatureError("MissingAuthenticationToken", "Request is missing Authentication Token");
  }
  const parts = credential.split("/");
  if (parts.length !== 5 || parts[4] !== "aws4_request") throw new SignatureError("IncompleteSignature", "Credential scope is malformed");
  if (!amzDateText) throw new SignatureError("IncompleteSignature", "X-Amz-Date is missing");
  const amzDate = parseAmzDate(amzDateText);
  if (amzDateText.slice(0, 8) !== parts[1]) throw new SignatureError("SignatureDoesNotMatch", "Credential date does not match X-Amz-Date");
  const sessionToken = presigned ? (query.get("X-Amz-Security-Token") ?? undefined) : header(request, "x-amz-security-token");
  const expires = presigned ? Number(query.get("X-Amz-Expires")) : undefined;
  return {
    accessKeyId: parts[0]!,
    date: parts[1]!,
    region: parts[2]!,
    service: parts[3]!,
    signedHeaders: signedHeaders.split(";"),
    signature,
    amzDate,
    presigned,
    query,
    ...(sessionToken ? { sessionToken } : {}),
    ...(expires !== undefined ? { expires } : {}),
  };
}

function canonicalQuery(query: URLSearchParams, presigned: boolean): string {
  const pairs: Array<[string, string]> = [];
  for (const [key, value] of query) if (!(presigned && key === "X-Amz-Signature")) pairs.push([uriEncode(key), uriEncode(value)]);
  pairs.sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join("&");
}

/**
 * Verifies the signature of `request` with `secretAccessKey`. Time: a header-signed request must
 * be within 5 minutes of now; a presigned one is valid `validForSeconds` after X-Amz-Date (STS
 * honours a presigned GetCallerIdentity for 15 minutes whatever X-Amz-Expires says).
 */
export function verifySignature(request: SignedRequest, info: SignatureInfo, secretAccessKey: string, options: { service: string; presignedValidSeconds?: number; now?: number }): void {
  const now = options.now ?? Date.now();
  if (info.service !== options.service) throw new SignatureError("SignatureDoesNotMatch", `Credential should be scoped to correct service: '${options.service}'`);
  if (info.presigned) {
    const valid = options.presignedValidSeconds ?? info.expires ?? 0;
    if (now > info.amzDate.getTime() + valid * 1000) throw new SignatureError("ExpiredToken", "Signature expired: the presigned request is too old");
  } else if (Math.abs(now - info.amzDate.getTime()) > 5 * 60_000) {
    throw new SignatureError("SignatureDoesNotMatch", "Signature expired: request time too skewed");
  }
  const url = new URL(request.url, "http://placeholder");
  if (!info.signedHeaders.includes("host")) throw new SignatureError("SignatureDoesNotMatch", "host must be a signed header");
  const canonicalHeaders = info.signedHeaders
    .map((name) => {
      const value = header(request, name);
      if (value === undefined) throw new SignatureError("SignatureDoesNotMatch", `signed header ${name} is missing`);
      return `${name}:${value.trim().replace(/\s+/g, " ")}\n`;
    })
    .join("");
  const payloadHash = info.presigned ? sha256Hex("") : (header(request, "x-amz-content-sha256") ?? sha256Hex(request.body));
  const canonicalRequest = [request.method, url.pathname || "/", canonicalQuery(url.searchParams, info.presigned), canonicalHeaders, info.signedHeaders.join(";"), payloadHash].join("\n");
  const amzDate = info.amzDate.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
  const scope = `${info.date}/${info.region}/${info.service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256Hex(canonicalRequest)].join("\n");
  const key = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, info.date), info.region), info.service), "aws4_request");
  const expected = createHmac("sha256", key).update(stringToSign).digest();
  const given = Buffer.from(info.signature, "hex");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new SignatureError("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided");
  }
}
