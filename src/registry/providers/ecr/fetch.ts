// AWS ECR: GetAuthorizationToken through the official SDK (v3), one call per region with the
// configured registry (account) ids. Credentials come from Ferry's one AWS credential chain
// (src/cloud/aws/credentials.ts): static keys when given, else the SDK's default chain
// (environment, web identity / IRSA, shared profiles, EKS Pod Identity and other container
// credentials, instance metadata), then registry-creds' aws_assume_role when set. The endpoint
// override is passed on when configured; the SDK also reads AWS_ENDPOINT_URL_ECR / AWS_ENDPOINT_URL.
import { ECRClient, GetAuthorizationTokenCommand } from "@aws-sdk/client-ecr";
import { awsCredentials } from "../../../cloud/aws/credentials.js";
import { CloudTokenError } from "../../../cloud/cluster-token.js";
import type { RegistryAuth } from "../../types.js";
import type { EcrConfig } from "./index.js";

export class EcrError extends Error {
  override name = "EcrError";
}

export async function fetchEcr(config: EcrConfig, options: { signal?: AbortSignal } = {}): Promise<RegistryAuth[]> {
  const auths: RegistryAuth[] = [];
  const credentials = awsCredentials({ keys: config.credentials, roleArn: config.roleArn, region: config.regions[0] });
  for (const region of config.regions) {
    const client = new ECRClient({
      region,
      maxAttempts: 2,
      credentials,
      ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    });
    try {
      const output = await client.send(new GetAuthorizationTokenCommand(config.accounts.length > 0 ? { registryIds: config.accounts } : {}), {
        abortSignal: options.signal,
      });
      for (const data of output.authorizationData ?? []) {
        if (!data.authorizationToken || !data.proxyEndpoint) throw new EcrError(`GetAuthorizationToken in ${region} returned an entry without token or endpoint`);
        const decoded = Buffer.from(data.authorizationToken, "base64").toString("utf8");
        const colon = decoded.indexOf(":");
        if (colon < 0) throw new EcrError(`GetAuthorizationToken in ${region} returned a token that is not user:password`);
        const auth: RegistryAuth = { registry: data.proxyEndpoint, username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
        if (data.expiresAt) auth.expiresAt = new Date(data.expiresAt);
        auths.push(auth);
      }
    } catch (error) {
      if (error instanceof EcrError) throw error;
      if (error instanceof CloudTokenError) throw new EcrError(`GetAuthorizationToken in ${region}: ${error.message}`);
      // The SDK's errors carry a code and a message from AWS, never the request's keys.
      const name = (error as { name?: string }).name ?? "Error";
      throw new EcrError(`GetAuthorizationToken in ${region} failed: ${name}: ${(error as Error).message}`);
    } finally {
      client.destroy();
    }
  }
  if (auths.length === 0) throw new EcrError("GetAuthorizationToken returned no authorization data");
  return auths;
}
