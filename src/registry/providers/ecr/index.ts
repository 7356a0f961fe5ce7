// AWS ECR: GetAuthorizationToken (fetch.ts) for several accounts and regions, with static keys or
// the AWS SDK's default credential chain (environment, web identity / IRSA, EKS Pod Identity,
// profiles, containers), then an assumed role when one is named (src/cloud/aws/credentials.ts).
// registry-creds: awsaccount, awsregion (comma lists), AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_SESSION_TOKEN, aws_assume_role (registry-creds-ecr, also its keys aws-account / aws-region /
// aws-assume-role).
import { z } from "zod";
import type { RegistryAuth } from "../../types.js";
import { missing, type RegistryProvider } from "../provider.js";

export const ECR_DEFAULT_REGION = "us-east-1";

export interface AwsStaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface EcrConfig {
  provider: "ecr";
  /** Registry (account) ids; empty: the caller's own account. */
  accounts: string[];
  regions: string[];
  /** Static keys; absent: the SDK's default chain (environment, web identity/IRSA, profiles, containers). */
  credentials?: AwsStaticCredentials;
  /** A role to assume with those credentials first (registry-creds' aws_assume_role). */
  roleArn?: string;
  /** Endpoint override (else the SDK reads AWS_ENDPOINT_URL_ECR / AWS_ENDPOINT_URL itself). */
  endpoint?: string;
}

/** RegistryCredential.spec.ecr */
const ecrSpecSchema = z.object({
  accounts: z.array(z.string().regex(/^\d{12}$/, "must be a 12-digit account id")).default([]),
  regions: z.array(z.string().min(1)).default([]),
  endpoint: z.string().url().optional(),
  roleArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, "must be an IAM role ARN").optional(),
});

const ecrSpecCrd = {
  type: "object",
  properties: {
    accounts: { type: "array", items: { type: "string", pattern: "^[0-9]{12}$" }, maxItems: 50 },
    regions: { type: "array", items: { type: "string", minLength: 1, maxLength: 64 }, maxItems: 50 },
    endpoint: { type: "string", description: "Endpoint override (else AWS_ENDPOINT_URL_ECR / AWS_ENDPOINT_URL)." },
    roleArn: { type: "string", pattern: "^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", description: "An IAM role to assume (STS AssumeRole) with the credentials above first, as registry-creds' aws_assume_role." },
  },
};

const nonEmpty = (value: string | undefined) => (value === undefined || value.trim() === "" ? undefined : value);

function endpointFromEnv(env: Readonly<Record<string, string | undefined>>): string | undefined {
  return nonEmpty(env.AWS_ENDPOINT_URL_ECR) ?? nonEmpty(env.AWS_ENDPOINT_URL);
}

function staticKeys(accessKeyId: string | undefined, secretAccessKey: string | undefined, sessionToken: string | undefined): { credentials?: AwsStaticCredentials } {
  return accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } } : {};
}

export const ecrProvider: RegistryProvider<EcrConfig> = {
  name: "ecr",
  description: "GetAuthorizationToken (AWS SDK v3)",
  compat: { configSecrets: ["registry-creds-ecr"], output: "awsecr-cred" },
  secretRefOptional: true,
  specField: { name: "ecr", schema: ecrSpecSchema, crd: ecrSpecCrd },
  fromCompat({ lookup, list, hasSecret, env }) {
    const accounts = list(["awsaccount", "aws-account"], ["awsaccount"]);
    const regions = list(["awsregion", "aws-region"], ["awsregion"]);
    const accessKeyId = lookup(["AWS_ACCESS_KEY_ID"]);
    const secretAccessKey = lookup(["AWS_SECRET_ACCESS_KEY"]);
    const sessionToken = lookup(["AWS_SESSION_TOKEN"]);
    const assumeRole = lookup(["aws_assume_role", "aws-assume-role"], ["aws_assume_role"]);
    if (accounts.length === 0 && !hasSecret() && !accessKeyId) return undefined;
    if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) return { problem: missing([accessKeyId ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID"]) };
    const endpoint = endpointFromEnv(env);
    return {
      config: {
        provider: "ecr",
        accounts,
        regions: regions.length > 0 ? regions : [ECR_DEFAULT_REGION],
        ...staticKeys(accessKeyId, secretAccessKey, sessionToken),
        ...(assumeRole ? { roleArn: assumeRole } : {}),
        ...(endpoint ? { endpoint } : {}),
      },
    };
  },
  fromResource({ field, value, env }) {
    const spec = field === undefined ? undefined : ecrSpecSchema.parse(field);
    const accessKeyId = value(["AWS_ACCESS_KEY_ID"]);
    const secretAccessKey = value(["AWS_SECRET_ACCESS_KEY"]);
    const sessionToken = value(["AWS_SESSION_TOKEN"]);
    if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) return { problem: missing([accessKeyId ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID"]) };
    const endpoint = spec?.endpoint ?? endpointFromEnv(env);
    const regions = spec?.regions ?? [];
    return {
      config: {
        provider: "ecr",
        accounts: spec?.accounts ?? [],
        regions: regions.length > 0 ? regions : [ECR_DEFAULT_REGION],
        ...staticKeys(accessKeyId, secretAccessKey, sessionToken),
        ...(spec?.roleArn ? { roleArn: spec.roleArn } : {}),
        ...(endpoint ? { endpoint } : {}),
      },
    };
  },
  secretValues: (config) => (config.credentials ? [config.credentials.secretAccessKey, config.credentials.sessionToken ?? ""] : []),
  // The AWS SDK is loaded only when a configuration uses ECR: most clusters do not, and it costs megabytes of heap.
  fetch: async (config, options): Promise<RegistryAuth[]> => (await import("./fetch.js")).fetchEcr(config, options),
};
