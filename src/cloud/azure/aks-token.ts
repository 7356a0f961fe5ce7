// An AKS member's token with Entra ID, as kubelogin get-token makes it: an access token for the
// AKS server application (scope `<server id>/.default`) from a service principal with a client
// secret (spn), a federated ServiceAccount token (workloadidentity: AZURE_FEDERATED_TOKEN_FILE
// as the client assertion) or a managed identity (msi). The library is @azure/msal-node,
// Microsoft's maintained authentication library, which @azure/identity itself uses for exactly
// these flows: the same tokens at a sixth of @azure/identity's installed size (no browser build).
import { readFile } from "node:fs/promises";
import { ConfidentialClientApplication, ManagedIdentityApplication, type AuthenticationResult } from "@azure/msal-node";
import { CloudTokenError, safeMessage, type ClusterToken, type ClusterTokenSource } from "../cluster-token.js";
import { describeCredential, type AksCredential } from "../native-credential.js";

function authority(credential: AksCredential): { authority: string; host: string } {
  const host = new URL(credential.authorityHost);
  const base = host.href.endsWith("/") ? host.href : `${host.href}/`;
  return { authority: `${base}${credential.tenantId ?? "organizations"}`, host: host.host };
}

export class AksTokenSource implements ClusterTokenSource {
  readonly description: string;
  private readonly acquire: () => Promise<AuthenticationResult | null>;

  constructor(credential: AksCredential) {
    this.description = describeCredential(credential);
    const scopes = [`${credential.serverId}/.default`];
    if (credential.login === "msi") {
      const app = new ManagedIdentityApplication({
        managedIdentityIdParams: credential.clientId
          ? { userAssignedClientId: credential.clientId }
          : credential.identityResourceId
            ? { userAssignedResourceId: credential.identityResourceId }
            : undefined,
      });
      this.acquire = () => app.acquireToken({ resource: credential.serverId, forceRefresh: true });
      return;
    }
    const { authority: url, host } = authority(credential);
    const tokenFile = credential.federatedTokenFile;
    const app = new ConfidentialClientApplication({
      auth: {
        clientId: credential.clientId ?? "",
        authority: url,
        knownAuthorities: [host],
        ...(credential.login === "workloadidentity" && tokenFile
          ? { clientAssertion: async () => (await readFile(tokenFile, "utf8")).trim() }
          : { clientSecret: credential.clientSecret ?? "" }),
      },
    });
    // RenewingToken decides when to renew (75 % of the life): MSAL's own cache would hand back the same token.
    this.acquire = () => app.acquireTokenByClientCredential({ scopes, skipCache: true });
  }

  async mint(): Promise<ClusterToken> {
    let result: AuthenticationResult | null;
    try {
      result = await this.acquire();
    } catch (error) {
      const code = (error as { errorCode?: string }).errorCode;
      throw new CloudTokenError(`${this.description}: ${code ? `${code}: ` : ""}${safeMessage((error as Error).message)}`, { cause: error });
    }
    if (!result?.accessToken) throw new CloudTokenError(`${this.description}: Entra ID returned no access token`);
    return { token: result.accessToken, expiresAt: result.expiresOn ?? new Date(Date.now() + 3600_000) };
  }
}
