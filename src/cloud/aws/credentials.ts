// The AWS credential chain, one module for every AWS caller in Ferry (EKS member tokens, ECR
// registry logins): static keys when given, else the SDK's default chain
// (@aws-sdk/credential-provider-node: environment keys, web identity / IRSA from
// AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN, shared profiles, container credentials such as
// EKS Pod Identity's AWS_CONTAINER_CREDENTIALS_FULL_URI + AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE,
// instance metadata); then, when a role is named, STS AssumeRole with those credentials
// (@aws-sdk/client-sts). Assumed-role sessions are kept and renewed at 75 % of their life.
// Endpoints are the SDK's: AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL override them.
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import { CloudTokenError, safeMessage } from "../cluster-token.js";

export interface AwsStaticKeys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface AwsCredentialSpec {
  /** Static keys (a Secret's); absent: the SDK's default chain. */
  keys?: AwsStaticKeys;
  /** Assume this role with the credentials above first. */
  roleArn?: string;
  roleSessionName?: string;
  externalId?: string;
  /** Shared-config profile for the default chain. */
  profile?: string;
  /** Region of the STS calls (default: awsRegion()). */
  region?: string;
}

export const DEFAULT_AWS_REGION = "us-east-1";

/** The region as the AWS tools pick it: given, else AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1. */
export function awsRegion(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  return explicit?.trim() || env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim() || DEFAULT_AWS_REGION;
}

/** What an SDK error may show: its code and AWS's message (never the request's keys). */
export function awsErrorText(error: unknown): string {
  const name = (error as { name?: string }).name ?? "Error";
  return safeMessage(`${name}: ${(error as Error).message}`);
}

function baseCredentials(spec: AwsCredentialSpec, region: string): AwsCredentialIdentityProvider {
  if (spec.keys) {
    const keys = spec.keys;
    return async () => ({ accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey, ...(keys.sessionToken ? { sessionToken: keys.sessionToken } : {}) });
  }
  const chain = defaultProvider({ ...(spec.profile ? { profile: spec.profile } : {}), clientConfig: { region } });
  return async () => {
    try {
      return await chain();
    } catch (error) {
      throw new CloudTokenError(
        `no AWS credentials (static keys, web identity token file, container credentials, profile${spec.profile ? ` ${spec.profile}` : ""} or instance metadata): ${awsErrorText(error)}`,
        { cause: error },
      );
    }
  };
}

/** STS AssumeRole with `base`, kept until 75 % of the session's life. */
function assumedRole(base: AwsCredentialIdentityProvider, spec: AwsCredentialSpec & { roleArn: string }, region: string): AwsCredentialIdentityProvider {
  let current: { credentials: AwsCredentialIdentity; renewAt: number } | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;
  const assume = async (): Promise<AwsCredentialIdentity> => {
    const client = new STSClient({ region, credentials: base, maxAttempts: 2 });
    try {
      const output = await client.send(
        new AssumeRoleCommand({
          RoleArn: spec.roleArn,
          RoleSessionName: spec.roleSessionName ?? `ferry-${Date.now()}`,
          ...(spec.externalId ? { ExternalId: spec.externalId } : {}),
        }),
      );
      const c = output.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) throw new CloudTokenError(`AssumeRole ${spec.roleArn} returned no credentials`);
      const credentials: AwsCredentialIdentity = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, ...(c.Expiration ? { expiration: c.Expiration } : {}) };
      const now = Date.now();
      const life = credentials.expiration ? Math.max(0, credentials.expiration.getTime() - now) : 15 * 60_000;
      current = { credentials, renewAt: now + life * 0.75 };
      return credentials;
    } catch (error) {
      if (error instanceof CloudTokenError) throw error;
      throw new CloudTokenError(`AssumeRole ${spec.roleArn} failed: ${awsErrorText(error)}`, { cause: error });
    } finally {
      client.destroy();
    }
  };
  return async () => {
    if (current && Date.now() < current.renewAt) return current.credentials;
    pending ??= assume().finally(() => (pending = undefined));
    return pending;
  };
}

/** The credentials `spec` describes; call the result for fresh (cached while valid) credentials. */
export function awsCredentials(spec: AwsCredentialSpec): AwsCredentialIdentityProvider {
  const region = awsRegion(spec.region);
  const base = baseCredentials(spec, region);
  return spec.roleArn ? assumedRole(base, { ...spec, roleArn: spec.roleArn }, region) : base;
}
