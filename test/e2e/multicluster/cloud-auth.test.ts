// Member clusters on cloud identity alone, proven on real control planes with no cloud: each
// member's kube-apiserver authenticates bearer tokens with a TokenReview webhook that does what
// the cloud's authenticator does (EKS: aws-iam-authenticator against a local STS that checks
// SigV4; GKE: tokeninfo; AKS: Entra ID JWTs against the tenant's JWKS). The hub is `ferry run
// --hub` as a process with a pod's environment and no cloud CLI on its PATH: IRSA for AWS, the
// GKE metadata server for Google, workload identity (and a service principal) for Entra ID.
// Members are registered the way users do: an Argo CD cluster Secret with awsAuthConfig, and
// kubeconfigs whose users run gke-gcloud-auth-plugin and kubelogin.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test, type TestContext } from "node:test";
import { AKS_SERVER_APPLICATION_ID } from "../../../src/cloud/exec-recognition.js";
import { createControlPlanePki } from "../../../src/controlplane/pki.js";
import { objectPath } from "../../../src/kube/copy-writer.js";
import type { KubeObject } from "../../../src/kube/informer.js";
import type { MemberStatus } from "../../../src/multicluster/status.js";
import { waitFor } from "../../../src/util/wait-for.js";
import { adminClient, createNamespace, sharedControlPlane, uniqueName } from "../../support/cluster.js";
import { b64, createSecret, recordSecretValues, secretValue, startTestFerry, testLogPath } from "../../support/ferry.js";
import { startFerryProcess } from "../../support/ferry-process.js";
import { startFakeAws, type FakeAws } from "../../support/fake-providers/aws-sts.js";
import { startFakeEntraId, type FakeEntraId, type ServicePrincipal } from "../../support/fake-providers/entra-id.js";
import { startFakeGoogleMetadata, type FakeGoogleMetadata } from "../../support/fake-providers/google-metadata.js";
import type { TlsIdentity } from "../../support/fake-providers/server.js";
import { serviceAccountIssuer, serviceAccountTokenFile } from "../../support/service-account-tokens.js";
import { entraAuthenticator } from "../../support/token-review/aks.js";
import { eksAuthenticator } from "../../support/token-review/eks.js";
import { googleAuthenticator } from "../../support/token-review/gke.js";
import { startTokenReviewWebhook, type TokenReviewWebhook } from "../../support/token-review/webhook.js";
import { FERRY_NS, createMemberNamespace, memberPki, startMemberClusters, stopMemberClusters, waitForMemberObject, type MemberCluster } from "./support.js";

const EKS_CLUSTER = "eks-prod";
const LIFE_SECONDS = 20;
const GOOGLE_SA = "ferry-hub@ferry-test-project.iam.gserviceaccount.com";

interface Cloud {
  tls: TlsIdentity;
  caPem: string;
  caFile: string;
  aws: FakeAws;
  google: FakeGoogleMetadata;
  entra: FakeEntraId;
  webhooks: Record<"eks" | "gke" | "aks", TokenReviewWebhook>;
  /** The hub pod's ServiceAccount (its namespace is the hub's Ferry namespace of every test). */
  hubRole: string;
  memberRole: string;
  workload: ServicePrincipal;
  spn: ServicePrincipal;
}

/** The Role of docs/multicluster.md on a member, bound to the user the cloud maps the hub to. */
async function grantHub(member: MemberCluster, user: string, namespace = FERRY_NS): Promise<void> {
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

/** A registration Secret in the hub's Ferry namespace (removed with it). */
async function register(hubNs: string, name: string, data: Record<string, string>, labels: Record<string, string> = {}, memberNamespace = FERRY_NS): Promise<void> {
  await (await adminClient()).request("POST", `/api/v1/namespaces/${hubNs}/secrets`, {
    body: {
      metadata: { name, labels: { "ferry.dev/cluster": "true", ...labels }, annotations: { "ferry.dev/member-namespace": memberNamespace } },
      data: Object.fromEntries(Object.entries(data).map(([key, value]) => [key, b64(value)])),
    },
  });
}

const registrations = {
  /** Argo CD's cluster Secret for an EKS cluster, as Argo CD users have it. */
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

/** `ferry run --hub` as the hub's pod would run it: the cloud identities in its environment, no cloud CLI on PATH. */
async function startCloudHub(t: TestContext, cloud: Cloud, hubNs: string): Promise<void> {
  const admin = await adminClient();
  const irsa = await serviceAccountTokenFile(admin, hubNs, "ferry", "sts.amazonaws.com");
  const azure = await serviceAccountTokenFile(admin, hubNs, "ferry", "api://AzureADTokenExchange");
  const home = mkdtempSync(join(tmpdir(), "ferry-hub-home-"));
  const env: NodeJS.ProcessEnv = {
    // An image's PATH without any cloud CLI (this machine has some, e.g. in /usr/bin next to node).
    PATH: mkdtempSync(join(tmpdir(), "ferry-hub-path-")),
    HOME: home,
    NODE_EXTRA_CA_CERTS: cloud.caFile,
    AWS_WEB_IDENTITY_TOKEN_FILE: irsa.path,
    AWS_ROLE_ARN: cloud.hubRole,
    AWS_ROLE_SESSION_NAME: "ferry-hub",
    AWS_REGION: "eu-west-1",
    AWS_ENDPOINT_URL_STS: cloud.aws.url,
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONFIG_FILE: join(home, "aws-config"),
    AWS_SHARED_CREDENTIALS_FILE: join(home, "aws-credentials"),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    GCE_METADATA_HOST: cloud.google.host,
    AZURE_CLIENT_ID: cloud.workload.clientId,
    AZURE_TENANT_ID: cloud.entra.tenantId,
    AZURE_FEDERATED_TOKEN_FILE: azure.path,
    AZURE_AUTHORITY_HOST: cloud.entra.authorityHost,
  };
  const hub = await startFerryProcess(sharedControlPlane().kubeconfigPath, testLogPath(), ["--hub", "--namespace", hubNs, "--dialects", "native", "--policy", "strict", "--no-registry"], env);
  t.after(() => hub.kill("SIGTERM"));
}

async function memberStatuses(hubNs: string): Promise<Map<string, MemberStatus>> {
  const object = await (await adminClient()).getOptional<KubeObject>(objectPath("ConfigMap", hubNs, "ferry-members"));
  return new Map(Object.entries((object?.data as Record<string, string> | undefined) ?? {}).map(([name, text]) => [name, JSON.parse(text) as MemberStatus]));
}

function waitForStatuses(hubNs: string, wanted: Record<string, (status: MemberStatus) => boolean>, description: string, timeoutMs = 60_000): Promise<Map<string, MemberStatus>> {
  let last = new Map<string, MemberStatus>();
  return waitFor(
    async () => {
      last = await memberStatuses(hubNs);
      return Object.entries(wanted).every(([name, predicate]) => last.has(name) && predicate(last.get(name)!)) ? last : undefined;
    },
    { timeoutMs, description: `${description} (statuses: ${JSON.stringify([...last.values()].map((s) => [s.name, s.inSync, s.lastError]))})` },
  );
}

const served = (status: MemberStatus) => status.reachable && status.inSync && status.lastError === null && status.objectsDesired > 0;

describe("member clusters on cloud identity alone (EKS, GKE, AKS)", () => {
  let cloud: Cloud;
  let members: MemberCluster[] = [];
  const byName = (name: string) => members.find((member) => member.name === name)!;

  before(async () => {
    const pki = createControlPlanePki("10.96.0.1");
    const tls = { certPem: pki.apiserver.certPem, keyPem: pki.apiserver.keyPem };
    const caFile = join(mkdtempSync(join(tmpdir(), "ferry-cloud-ca-")), "ca.pem");
    writeFileSync(caFile, pki.ca.certPem);
    const issuer = serviceAccountIssuer(sharedControlPlane());
    const aws = await startFakeAws({ tls, sessionSeconds: LIFE_SECONDS, webIdentityKeys: { [issuer.issuer]: issuer.publicKeyPem } });
    const google = await startFakeGoogleMetadata({ email: GOOGLE_SA, lifetimeSeconds: LIFE_SECONDS });
    const entra = await startFakeEntraId({ tls, lifetimeSeconds: LIFE_SECONDS });
    // The hub pod's identities (each test's hub ServiceAccount is trusted as it is created): an
    // IRSA role, the role it may assume on members, and two Entra ID principals.
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
    cloud = { tls, caPem: pki.ca.certPem, caFile, aws, google, entra, webhooks, hubRole, memberRole, workload, spn };
    members = await startMemberClusters(["eks", "gke", "aks"], (name) => ({ tokenWebhook: { url: `${webhooks[name as keyof typeof webhooks].url}/authenticate`, caPem: pki.ca.certPem } }));
    await grantHub(byName("eks"), "ferry-hub");
    await grantHub(byName("gke"), GOOGLE_SA);
    await grantHub(byName("aks"), workload.objectId);
    await byName("aks").client.request("POST", "/api/v1/namespaces", { body: { metadata: { name: "ferry-spn" } } });
    await grantHub(byName("aks"), spn.objectId, "ferry-spn");
  });
  after(async () => {
    await stopMemberClusters(members);
    for (const server of [cloud?.aws, cloud?.google, cloud?.entra, ...Object.values(cloud?.webhooks ?? {})]) await server?.stop();
  });

  /** A hub namespace whose ServiceAccount `ferry` the cloud trusts (IRSA subject, federated credential). */
  async function hubNamespace(t: TestContext): Promise<string> {
    const hubNs = await createNamespace(t, "hub");
    const subject = `system:serviceaccount:${hubNs}:ferry`;
    cloud.aws.allowWebIdentity(cloud.hubRole, subject);
    cloud.entra.trustSubject(cloud.workload.clientId, subject);
    return hubNs;
  }

  test("the seed's flow reaches an EKS, a GKE and an AKS member on cloud tokens alone, and keeps flowing after every first token has expired", async (t) => {
    const since = Date.now();
    const reviews = (kind: "eks" | "gke" | "aks") => cloud.webhooks[kind].reviews.filter((review) => review.at >= since);
    for (const member of members) await startTestFerry(t, { client: member.client, clusterName: undefined });
    const apps = new Map<string, string>();
    for (const member of members) apps.set(member.name, await createMemberNamespace(member, "app"));
    const hubNs = await hubNamespace(t);
    await register(hubNs, "eks-prod", registrations.eks(byName("eks"), EKS_CLUSTER, cloud.memberRole), { "argocd.argoproj.io/secret-type": "cluster" });
    await register(hubNs, "gke-prod", registrations.gke(byName("gke")));
    await register(hubNs, "aks-prod", registrations.aksWorkloadIdentity(byName("aks")));
    await register(hubNs, "aks-spn", registrations.aksServicePrincipal(byName("aks"), cloud.entra.tenantId, cloud.spn), {}, "ferry-spn");
    await startCloudHub(t, cloud, hubNs);

    const name = uniqueName("regcred");
    const first = JSON.stringify({ auths: { "registry.example.com": { auth: b64("robot:cloud-first") } } });
    await createSecret(hubNs, name, { ".dockerconfigjson": first }, { type: "kubernetes.io/dockerconfigjson", annotations: { "mw-sync": "yes" } });
    const arrived = (value: string) => (object: KubeObject) => secretValue(object, ".dockerconfigjson") === value;
    for (const member of members) {
      await waitForMemberObject(member, "Secret", FERRY_NS, name, arrived(first), 60_000);
      await waitForMemberObject(member, "Secret", apps.get(member.name)!, name, arrived(first), 60_000);
    }
    await waitForMemberObject(byName("aks"), "Secret", "ferry-spn", name, arrived(first), 60_000);
    await waitForStatuses(hubNs, { "eks-prod": served, "gke-prod": served, "aks-prod": served, "aks-spn": served }, "every member served");

    // Each cloud's first token (for EKS: the role session it is signed with) expires; the members keep accepting the hub.
    const firstExpiry = {
      eks: Math.min(...cloud.aws.sessions().filter((s) => s.arn.includes("assumed-role/ferry-member-access/")).map((s) => s.expiresAt.getTime())),
      gke: Math.min(...cloud.google.issued.map((issued) => issued.expiresAt.getTime())),
      aks: Math.min(...cloud.entra.issued.map((issued) => issued.expiresAt.getTime())),
    };
    const started = Date.now();
    for (const kind of ["eks", "gke", "aks"] as const) {
      assert.ok(Number.isFinite(firstExpiry[kind]) && firstExpiry[kind] - started <= LIFE_SECONDS * 1000, `${kind}: a short-lived first token was issued`);
    }
    const allExpired = Math.max(...Object.values(firstExpiry));
    await waitFor(() => Date.now() > allExpired + 1000, { timeoutMs: (LIFE_SECONDS + 5) * 1000, description: "every first token to expire" });
    const second = JSON.stringify({ auths: { "registry.example.com": { auth: b64("robot:cloud-second") } } });
    await (await adminClient()).request("PATCH", objectPath("Secret", hubNs, name), { body: { data: { ".dockerconfigjson": b64(second) } }, contentType: "application/merge-patch+json" });
    for (const member of members) await waitForMemberObject(member, "Secret", apps.get(member.name)!, name, arrived(second), 60_000);
    await waitForMemberObject(byName("aks"), "Secret", "ferry-spn", name, arrived(second), 60_000);
    await waitForStatuses(hubNs, { "eks-prod": served, "gke-prod": served, "aks-prod": served, "aks-spn": served }, "every member still served");
    for (const kind of ["eks", "gke", "aks"] as const) {
      assert.ok(reviews(kind).some((review) => review.user && review.at > firstExpiry[kind]), `${kind}: the member authenticated the hub after its first token expired`);
      const refused = reviews(kind).filter((review) => review.error);
      assert.deepEqual(refused, [], `${kind}: the member never saw an expired or invalid token from the hub`);
      assert.ok(new Set(reviews(kind).map((review) => review.token)).size >= 2, `${kind}: the hub renewed its token`);
    }
    assert.ok(cloud.entra.issued.some((issued) => issued.clientId === cloud.spn.clientId), "the service principal signed in too");
    // Bearer tokens are credentials: the run's last test scans every log, Event and status for them.
    recordSecretValues([...cloud.google.issued.map((issued) => issued.token), ...cloud.entra.issued.map((issued) => issued.token)]);
  });

  test("a role the hub may not assume, or a token for another cluster name, is a clear error on that registration alone", async (t) => {
    const since = Date.now();
    for (const member of members.filter((m) => m.name !== "aks")) await startTestFerry(t, { client: member.client, clusterName: undefined });
    const hubNs = await hubNamespace(t);
    const foreignRole = cloud.aws.addRole(`not-the-hubs-${uniqueName("r")}`, { principals: [] });
    await register(hubNs, "eks-prod", registrations.eks(byName("eks"), EKS_CLUSTER, cloud.memberRole));
    await register(hubNs, "gke-prod", registrations.gke(byName("gke")));
    await register(hubNs, "eks-wrong-role", registrations.eks(byName("eks"), EKS_CLUSTER, foreignRole));
    await register(hubNs, "eks-wrong-name", registrations.eks(byName("eks"), "eks-staging", cloud.memberRole));
    await startCloudHub(t, cloud, hubNs);
    const name = uniqueName("mirror");
    await createSecret(hubNs, name, { mirror: "https://mirror.example.com" }, { annotations: { "mw-sync": "yes" } });
    await waitForMemberObject(byName("eks"), "Secret", FERRY_NS, name, () => true, 60_000);
    await waitForMemberObject(byName("gke"), "Secret", FERRY_NS, name, () => true, 60_000);
    const statuses = await waitForStatuses(
      hubNs,
      {
        "eks-prod": served,
        "gke-prod": served,
        "eks-wrong-role": (s) => s.lastError !== null && !s.inSync,
        "eks-wrong-name": (s) => s.lastError !== null && !s.inSync,
      },
      "two registrations failing, the others served",
    );
    const role = statuses.get("eks-wrong-role")!;
    assert.match(role.lastError!, new RegExp(`^could not authenticate to member eks-wrong-role: an EKS token for cluster "eks-prod" as role ${foreignRole.replace(/[/]/g, "\\/")}: AssumeRole ${foreignRole.replace(/[/]/g, "\\/")} failed: AccessDenied: User: arn:aws:sts::111122223333:assumed-role\\/ferry-hub\\/ferry-hub is not authorized`));
    const clusterName = statuses.get("eks-wrong-name")!;
    assert.match(clusterName.lastError!, /^unauthorized: member eks-wrong-name rejected an EKS token for cluster "eks-staging" as role arn:aws:iam::111122223333:role\/ferry-member-access: check the cluster name/);
    assert.equal(clusterName.reachable, true, "a refused token is an answer: the member is reachable");
    assert.ok(cloud.webhooks.eks.reviews.some((review) => review.at >= since && review.error?.includes("SignatureDoesNotMatch")), "STS refused the replayed signature (another cluster's id)");
  });
});
