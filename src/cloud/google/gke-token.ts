// A GKE member's token, as gke-gcloud-auth-plugin makes it: a Google OAuth access token from
// Application Default Credentials (google-auth-library): GOOGLE_APPLICATION_CREDENTIALS (a
// service-account key, or an external-account file for workload identity federation), else the
// metadata server (GKE Workload Identity; GCE_METADATA_HOST points it elsewhere). Scopes as the
// plugin and Argo CD's `argocd-k8s-auth gcp`: cloud-platform and userinfo.email.
import { GoogleAuth } from "google-auth-library";
import { CloudTokenError, safeMessage, type ClusterToken, type ClusterTokenSource } from "../cluster-token.js";
import { describeCredential, type GkeCredential } from "../native-credential.js";

export const GKE_SCOPES = ["https://www.googleapis.com/auth/cloud-platform", "https://www.googleapis.com/auth/userinfo.email"];
/** Google access tokens live an hour; used when an answer does not say. */
const DEFAULT_LIFE_MS = 3600_000;

export class GkeTokenSource implements ClusterTokenSource {
  readonly description: string;
  private readonly auth = new GoogleAuth({ scopes: GKE_SCOPES });

  constructor(credential: GkeCredential) {
    this.description = describeCredential(credential);
  }

  async mint(): Promise<ClusterToken> {
    try {
      const client = await this.auth.getClient();
      const { token } = await client.getAccessToken();
      if (!token) throw new CloudTokenError(`${this.description}: Google returned no access token`);
      const expiry = client.credentials.expiry_date;
      return { token, expiresAt: new Date(typeof expiry === "number" ? expiry : Date.now() + DEFAULT_LIFE_MS) };
    } catch (error) {
      if (error instanceof CloudTokenError) throw error;
      const status = (error as { response?: { status?: number } }).response?.status;
      throw new CloudTokenError(`${this.description}: ${safeMessage((error as Error).message)}${status ? ` (HTTP ${status})` : ""}`, { cause: error });
    }
  }
}
