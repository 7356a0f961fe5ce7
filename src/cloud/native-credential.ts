// What Ferry needs to mint a member cluster's token itself, per cloud. Pure data: recognised from
// kubeconfig exec blocks and Argo CD cluster Secrets (exec-recognition.ts), turned into a token
// source by token-sources.ts. Values that are credentials (a client secret) may sit here: never
// log or show a NativeCredential, use describeCredential().

/** EKS: an aws-iam-authenticator token (a presigned STS GetCallerIdentity), as `aws eks get-token` makes. */
export interface EksCredential {
  cloud: "eks";
  /** The EKS cluster name (signed into the token as x-k8s-aws-id). */
  clusterName: string;
  /** Assume this role first (Argo CD's roleARN, `--role-arn`). */
  roleArn?: string;
  /** Shared-config profile for the default chain (Argo CD's profile, `--profile`, AWS_PROFILE). */
  profile?: string;
  /** STS region (`--region`, AWS_REGION, AWS_DEFAULT_REGION; default us-east-1). */
  region?: string;
  /** Role session name (aws-iam-authenticator `--session-name`). */
  sessionName?: string;
  /** External id for the role assumption (aws-iam-authenticator `--external-id`). */
  externalId?: string;
}

/** GKE: a Google OAuth access token from Application Default Credentials, as gke-gcloud-auth-plugin. */
export interface GkeCredential {
  cloud: "gke";
}

export type AksLogin = "spn" | "workloadidentity" | "msi";

/** AKS with Entra ID: a token for the AKS server application, as kubelogin get-token. */
export interface AksCredential {
  cloud: "aks";
  login: AksLogin;
  /** The AKS server application id (the token's audience). */
  serverId: string;
  clientId?: string;
  tenantId?: string;
  /** spn: the client secret (from kubelogin's environment variables or flag). */
  clientSecret?: string;
  /** workloadidentity: the projected ServiceAccount token file. */
  federatedTokenFile?: string;
  /** Entra ID authority host (--authority-host, AZURE_AUTHORITY_HOST, else from --environment). */
  authorityHost: string;
  /** msi: a user-assigned identity by resource id (--identity-resource-id). */
  identityResourceId?: string;
}

export type NativeCredential = EksCredential | GkeCredential | AksCredential;

/** A description safe for logs and status: which cloud, cluster and identity, never a secret. */
export function describeCredential(credential: NativeCredential): string {
  switch (credential.cloud) {
    case "eks":
      return `an EKS token for cluster ${JSON.stringify(credential.clusterName)}${credential.roleArn ? ` as role ${credential.roleArn}` : " from the hub's AWS credentials"}`;
    case "gke":
      return "a Google access token from the hub's Application Default Credentials";
    case "aks":
      return `an Entra ID token for server application ${credential.serverId} (${credential.login}${credential.clientId ? `, client ${credential.clientId}` : ""})`;
  }
}
