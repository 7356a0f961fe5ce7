// An EKS member's token, as aws-iam-authenticator and `aws eks get-token` make it: an STS
// GetCallerIdentity request presigned with SigV4 (@smithy/signature-v4, the AWS SDK's own signer)
// with the header `x-k8s-aws-id: <cluster name>` signed and X-Amz-Expires=60, encoded as
// `k8s-aws-v1.` + base64url(URL) without padding. The cluster's authenticator replays the URL
// against STS, which answers with the caller's ARN; STS accepts the URL for 15 minutes after
// X-Amz-Date (and only while the signing credentials are valid), so a token is given 14
// minutes, or less when the credentials expire sooner.
import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import { CloudTokenError, type ClusterToken, type ClusterTokenSource } from "../cluster-token.js";
import { describeCredential, type EksCredential } from "../native-credential.js";
import { awsCredentials, awsErrorText, awsRegion } from "./credentials.js";
import { Sha256 } from "./sha256.js";

export const EKS_TOKEN_PREFIX = "k8s-aws-v1.";
export const CLUSTER_ID_HEADER = "x-k8s-aws-id";
/** X-Amz-Expires of the presigned URL: ignored by STS, checked to be <= 60 by old authenticators. */
const PRESIGN_EXPIRES_SECONDS = 60;
/** STS honours a presigned GetCallerIdentity for 15 minutes; tokens are used for one less. */
const TOKEN_LIFE_MS = 14 * 60_000;

/** STS's endpoint for a region: AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL (the SDK's settings) else the regional one. */
export function stsEndpoint(region: string, env: NodeJS.ProcessEnv = process.env): URL {
  const configured = env.AWS_ENDPOINT_URL_STS?.trim() || env.AWS_ENDPOINT_URL?.trim();
  if (configured) return new URL(configured);
  return new URL(region.startsWith("cn-") ? `https://sts.${region}.amazonaws.com.cn` : `https://sts.${region}.amazonaws.com`);
}

/** Presigns GetCallerIdentity for `clusterName` and encodes it as an EKS token. */
export async function presignEksToken(clusterName: string, credentials: AwsCredentialIdentityProvider, region: string, signingDate = new Date()): Promise<string> {
  const endpoint = stsEndpoint(region);
  const signer = new SignatureV4({ credentials, region, service: "sts", sha256: Sha256, uriEscapePath: true });
  const signed = await signer.presign(
    {
      method: "GET",
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      ...(endpoint.port ? { port: Number(endpoint.port) } : {}),
      path: endpoint.pathname || "/",
      query: { Action: "GetCallerIdentity", Version: "2011-06-15" },
      headers: { host: endpoint.host, [CLUSTER_ID_HEADER]: clusterName },
    },
    { expiresIn: PRESIGN_EXPIRES_SECONDS, signingDate },
  );
  const query = new URLSearchParams();
  const signedQuery = signed.query ?? {};
  for (const key of Object.keys(signedQuery).sort()) {
    const value = signedQuery[key];
    for (const item of Array.isArray(value) ? value : [value]) if (item !== null && item !== undefined) query.append(key, item);
  }
  const url = `${endpoint.protocol}//${endpoint.host}${signed.path}?${query.toString()}`;
  return EKS_TOKEN_PREFIX + Buffer.from(url, "utf8").toString("base64url");
}

export class EksTokenSource implements ClusterTokenSource {
  readonly description: string;
  private readonly credentials: AwsCredentialIdentityProvider;
  private readonly region: string;

  constructor(private readonly credential: EksCredential) {
    this.description = describeCredential(credential);
    this.region = awsRegion(credential.region);
    this.credentials = awsCredentials({
      region: this.region,
      ...(credential.roleArn ? { roleArn: credential.roleArn } : {}),
      ...(credential.profile ? { profile: credential.profile } : {}),
      ...(credential.sessionName ? { roleSessionName: credential.sessionName } : {}),
      ...(credential.externalId ? { externalId: credential.externalId } : {}),
    });
  }

  async mint(): Promise<ClusterToken> {
    let resolved;
    try {
      resolved = await this.credentials();
    } catch (error) {
      throw new CloudTokenError(`${this.description}: ${error instanceof CloudTokenError ? error.message : awsErrorText(error)}`, { cause: error });
    }
    const now = new Date();
    const token = await presignEksToken(this.credential.clusterName, async () => resolved, this.region, now);
    const ends = Math.min(now.getTime() + TOKEN_LIFE_MS, resolved.expiration?.getTime() ?? Infinity);
    return { token, expiresAt: new Date(ends) };
  }
}
