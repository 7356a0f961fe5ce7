// Shared set-up of the cloud identity tests: the local clouds (an AWS account with STS, a GKE
// metadata server with tokeninfo, an Entra ID tenant), their TokenReview webhooks for member
// control planes, the hub pod's identities in them, the member Role, registrations as users
// write them, and the hub pod's environment.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { AKS_SERVER_APPLICATION_ID } from "../../../src/cloud/exec-recognition.js";
import { createControlPlanePki } from "../../../src/controlplane/pki.js";
import type { TokenWebhook } from "../../../src/controlplane/token-webhook.js";
import { objectPath } from "../../../src/kube/copy-writer.js";
import type { KubeObject } from "../../../src/kube/informer.js";
import type { MemberStatus } from "../../../src/multicluster/status.js";
import { waitFor } from "../../../src/util/wait-for.js";
import { adminClient, createNamespace, sharedControlPlane, uniqueName } from "../../support/cluster.js";
import { b64, recordSecretValues } from "../../support/ferry.js";
import { startFakeAws, type FakeAws } from "../../support/fake-providers/aws-sts.js";
import { startFakeEntraId, type FakeEntraId, type ServicePrincipal } from "../../support/fake-providers/entra-id.js";
import { startFakeGoogleMetadata, type FakeGoogleMetadata } from "../../support/fake-providers/google-metadata.js";
import type { TlsIdentity } from "../../support/fake-providers/server.js";
import { serviceAccountIssuer, serviceAccountTokenFile } from "../../support/service-account-tokens.js";
import { entraAuthenticator } from "../../support/token-review/aks.js";
import { eksAuthenticator } from "../../support/token-review/eks.js";
import { googleAuthenticator } from "../../support/token-review/gke.js";
import { startTokenReviewWebhook, type TokenReviewWebhook } from "../../support/token-review/webhook.js";
import { FERRY_NS, memberPki, type MemberCluster } from "./support.js";

export const EKS_CLUSTER = "eks-prod";
export const GOOGLE_SA = "ferry-hub@ferry-test-project.iam.gserviceaccount.com";
export type CloudKind = "eks" | "gke" | "aks";

export interface Cloud {
  tls: TlsIdentity;
  caPem: string;
  caFile: string;
  aws: FakeAws;
  google: FakeGoogleMetadata;
  entra: FakeEntraId;
  webhooks: Record<CloudKind, TokenReviewWebhook>;
  /** The hub pod's IRSA role, and the role it assumes on EKS members. */
  hubRole: string;
  memberRole: string;
  /** The hub's Entra ID identities: workload identity, and a service principal with a secret. */
  workload: ServicePrincipal;
  spn: ServicePrincipal;
  /** The member control plane option that puts a cloud's authenticator in front of its API server. */
  tokenWebhook(kind: CloudKind): TokenWebhook;
  stop(): Promise<void>;
}

/** Starts the local clouds; credentials and tokens live `lifeSeconds`. */
export async function startCloud(lifeSeconds: number): Promise<Cloud> {
  const pki = createControlPlanePki("10.96.0.1");
  const tls = { certPem: pki.apiserver.certPem, keyPem: pki.apiserver.keyPem };
  const caFile = join(mkdtempSync(join(tmpdir(), "ferry-cloud-ca-")), "ca.pem");
  writeFileSync(caFile, pki.ca.certPem);
  const issuer = serviceAccountIssuer(sharedControlPlane());
  const aws = await startFakeAws({ tls, sessionSeconds: lifeSeconds, webIdentityKeys: { [issuer.issuer]: issuer.publicKeyPem } });
  const google = await startFakeGoogleMetadata({ email: GOOGLE_SA, lifetimeSeconds: lifeSeconds });
  const entra = await startFakeEntraId({ tls, lifetimeSeconds: lifeSeconds });
  // Each hub's ServiceAccount is trusted when its namespace is made (hubNamespace).
  const hubRole = aws.addRole("ferry-hub", { webIdentity: { issuer: issuer.issuer, audience: "sts.amazonaws.com", subjects: [] } });
  const memberRole = aws.addRole("ferry-member-access", { principals: [hubRole] });
  const workload = entra.addServicePrincipal("ferry-hub-workload", { issuer: issuer.issuer, subjects: [], publicKeyPem: issuer.publicKeyPem });
  const spn = entra.addServicePrincipal("ferry-hub-spn");
  recordSecretValues([spn.secret]);
  const webhooks = {
    eks: await startTokenReviewWebhook(tls, eksAuthenticator({ clusterId: EKS_CLUSTER, stsHosts: [new URL(aws.url).host], ca: pki.ca.certPem, mapRoles: [{ rolearn: memberRole, username: "ferry-hub" }] })),
    gke: await startTokenReviewWebhook(tls, googleAuthenticator({ tokeninfoUrl: `${google.url}/tokeninfo` })),
    aks: await startTokenReviewWebhook(tls, entraAuthenticator({ jwksUrl: entra.jwksUrl, issuer: entra.issuer, audience: AKS_SERVER_APPLICATION_ID, ca: pki.ca.certPem })),
  };
  return {
    tls,
    caPem: pki.ca.certPem,
    caFile,
    aws,
    google,
    entra,
    webhooks,
    hubRole,
    memberRole,
    workload,
    spn,
    tokenWebhook: (kind) => ({ url: `${webhooks[kind].url}/authenticate`, caPem: pki.ca.certPem }),
    async stop() {
      for (const server of [aws, google, entra, ...Object.values(webhooks)]) await server.stop();
    },
  };
}

/** A hub namespace whose ServiceAccount `ferry` the clouds trust (IRSA subject, federated credential). */
export async function hubNamespace(t: TestContext, cloud: Cloud): Promise<string> {
  const hubNs = await createNamespace(t, "hub");
  const subject = `system:serviceaccount:${hubNs}:ferry`;
  cloud.aws.allowWebIdentity(cloud.hubRole, subject);
  cloud.entra.trustSubject(cloud.workload.clientId, subject);
  return hubNs;
}

/** The Role of docs/multicluster.md on a member, bound to the user the cloud maps the hub to. */
export async function grantHub(member: MemberCluster, user: string, namespace = FERRY_NS): Promise<void> {
  const name = `ferry-hub-${uniqueName("u")}`;
  await member.client.request("POST", `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/roles`, {
    body: { metadata: { name }, rules: [{ apiGroups: [""], resources: ["secrets", "configmaps"], verbs: ["list", "watch", "create", "update", "delete"] }] },
  });
  await member.client.request("POST", `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings`, {
    body: { metadata: { name }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name }, subjects: [{ kind: "User", name: user, apiGroup: "rbac.authorization.k8s.io" }] },
  });
}

const memberCa = (member: MemberCluster) => memberPki(member).caData;

function execKubeconfig(member: MemberCluster, exec: { command: string; args: string[]; env?: Array<{ name: string; value: string }> }): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: member.name, cluster: { server: member.plane.server, "certificate-authority-data": memberCa(member) } }],
    users: [{ name: "ferry-hub", user: { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", interactiveMode: "Never", provideClusterInfo: true, env: exec.env ?? [], ...exec } } }],
    contexts: [{ name: member.name, context: { cluster: member.name, user: "ferry-hub" } }],
    "current-context": member.name,
  });
}

/** Registration Secrets as users have them. */
export const registrations = {
  /** Argo CD's cluster Secret for an EKS cluster. */
  eks: (member: MemberCluster, clusterName: string, roleARN: string) => ({
    name: clusterName,
    server: member.plane.server,
    config: JSON.stringify({ awsAuthConfig: { clusterName, roleARN }, tlsClientConfig: { caData: memberCa(member) } }),
  }),
  /** What `gcloud container clusters get-credentials` writes. */
  gke: (member: MemberCluster) => ({ kubeconfig: execKubeconfig(member, { command: "gke-gcloud-auth-plugin", args: [] }) }),
  /** What `kubelogin convert-kubeconfig -l workloadidentity` writes. */
  aksWorkloadIdentity: (member: MemberCluster) => ({
    kubeconfig: execKubeconfig(member, { command: "kubelogin", args: ["get-token", "--login", "workloadidentity", "--server-id", AKS_SERVER_APPLICATION_ID] }),
  }),
  /** What `kubelogin convert-kubeconfig -l spn` writes, with the service principal in the exec block's environment. */
  aksServicePrincipal: (member: MemberCluster, tenantId: string, spn: ServicePrincipal) => ({
    kubeconfig: execKubeconfig(member, {
      command: "kubelogin",
      args: ["get-token", "--environment", "AzurePublicCloud", "--server-id", AKS_SERVER_APPLICATION_ID, "--client-id", spn.clientId, "--tenant-id", tenantId, "--login", "spn"],
      env: [
        { name: "AZURE_CLIENT_ID", value: spn.clientId },
        { name: "AAD_SERVICE_PRINCIPAL_CLIENT_SECRET", value: spn.secret },
      ],
    }),
  }),
};

/** A registration Secret in the hub's Ferry namespace (removed with it). */
export async function register(hubNs: string, name: string, data: Record<string, string>, labels: Record<string, string> = {}, memberNamespace = FERRY_NS): Promise<void> {
  await (await adminClient()).request("POST", `/api/v1/namespaces/${hubNs}/secrets`, {
    body: {
      metadata: { name, labels: { "ferry.dev/cluster": "true", ...labels }, annotations: { "ferry.dev/member-namespace": memberNamespace } },
      data: Object.fromEntries(Object.entries(data).map(([key, value]) => [key, b64(value)])),
    },
  });
}

/** The projected tokens a hub pod in `hubNs` would have: IRSA's and Azure workload identity's. */
export async function hubProjectedTokens(hubNs: string): Promise<{ irsa: string; azure: string }> {
  const admin = await adminClient();
  const irsa = await serviceAccountTokenFile(admin, hubNs, "ferry", "sts.amazonaws.com");
  const azure = await serviceAccountTokenFile(admin, hubNs, "ferry", "api://AzureADTokenExchange");
  return { irsa: irsa.path, azure: azure.path };
}

/** The hub pod's environment: the clouds' identity variables (paths as the pod sees them), nothing of this machine's. */
export function hubEnvironment(cloud: Cloud, paths: { irsa: string; azure: string; caFile: string; home: string; path: string }): Record<string, string> {
  return {
    PATH: paths.path,
    HOME: paths.home,
    NODE_EXTRA_CA_CERTS: paths.caFile,
    AWS_WEB_IDENTITY_TOKEN_FILE: paths.irsa,
    AWS_ROLE_ARN: cloud.hubRole,
    AWS_ROLE_SESSION_NAME: "ferry-hub",
    AWS_REGION: "eu-west-1",
    AWS_ENDPOINT_URL_STS: cloud.aws.url,
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONFIG_FILE: join(paths.home, "aws-config"),
    AWS_SHARED_CREDENTIALS_FILE: join(paths.home, "aws-credentials"),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    GCE_METADATA_HOST: cloud.google.host,
    AZURE_CLIENT_ID: cloud.workload.clientId,
    AZURE_TENANT_ID: cloud.entra.tenantId,
    AZURE_FEDERATED_TOKEN_FILE: paths.azure,
    AZURE_AUTHORITY_HOST: cloud.entra.authorityHost,
  };
}

/** The hub's flags in these tests: only the hub's pushes matter, nothing else on the shared control plane. */
export const hubArgs = (hubNs: string) => ["--hub", "--ferry-namespace", hubNs, "--dialects", "native", "--policy", "strict", "--no-registry"];

export async function memberStatuses(hubNs: string): Promise<Map<string, MemberStatus>> {
  const object = await (await adminClient()).getOptional<KubeObject>(objectPath("ConfigMap", hubNs, "ferry-members"));
  return new Map(Object.entries((object?.data as Record<string, string> | undefined) ?? {}).map(([name, text]) => [name, JSON.parse(text) as MemberStatus]));
}

export function waitForStatuses(hubNs: string, wanted: Record<string, (status: MemberStatus) => boolean>, description: string, timeoutMs = 60_000): Promise<Map<string, MemberStatus>> {
  let last = new Map<string, MemberStatus>();
  return waitFor(
    async () => {
      last = await memberStatuses(hubNs);
      return Object.entries(wanted).every(([name, predicate]) => last.has(name) && predicate(last.get(name)!)) ? last : undefined;
    },
    { timeoutMs, description: `${description} (statuses: ${JSON.stringify([...last.values()].map((s) => [s.name, s.inSync, s.lastError]))})` },
  );
}

export const served = (status: MemberStatus) => status.reachable && status.inSync && status.lastError === null && status.objectsDesired > 0;
