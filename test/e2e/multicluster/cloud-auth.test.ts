// Member clusters on cloud identity alone, proven on real control planes with no cloud: each
// member's kube-apiserver authenticates bearer tokens with a TokenReview webhook that does what
// the cloud's authenticator does (EKS: aws-iam-authenticator against a local STS that checks
// SigV4; GKE: tokeninfo; AKS: Entra ID JWTs against the tenant's JWKS). The hub is `ferry run
// --hub` as a process with a pod's environment and no cloud CLI on its PATH: IRSA for AWS, the
// GKE metadata server for Google, workload identity (and a service principal) for Entra ID.
// Members are registered the way users do: an Argo CD cluster Secret with awsAuthConfig, and
// kubeconfigs whose users run gke-gcloud-auth-plugin and kubelogin.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test, type TestContext } from "node:test";
import { objectPath } from "../../../src/kube/copy-writer.js";
import type { KubeObject } from "../../../src/kube/informer.js";
import { waitFor } from "../../../src/util/wait-for.js";
import { adminClient, sharedControlPlane, uniqueName } from "../../support/cluster.js";
import { b64, createSecret, recordSecretValues, secretValue, startTestFerry, testLogPath } from "../../support/ferry.js";
import { startFerryProcess } from "../../support/ferry-process.js";
import {
  EKS_CLUSTER,
  GOOGLE_SA,
  grantHub,
  hubArgs,
  hubEnvironment,
  hubNamespace,
  hubProjectedTokens,
  register,
  registrations,
  served,
  startCloud,
  waitForStatuses,
  type Cloud,
  type CloudKind,
} from "./cloud-support.js";
import { FERRY_NS, createMemberNamespace, startMemberClusters, stopMemberClusters, waitForMemberObject, type MemberCluster } from "./support.js";

const LIFE_SECONDS = 20;

/** `ferry run --hub` as the hub's pod would run it: the cloud identities in its environment, no cloud CLI on PATH. */
async function startCloudHub(t: TestContext, cloud: Cloud, hubNs: string): Promise<void> {
  const tokens = await hubProjectedTokens(hubNs);
  const env = hubEnvironment(cloud, {
    ...tokens,
    caFile: cloud.caFile,
    home: mkdtempSync(join(tmpdir(), "ferry-hub-home-")),
    // An image's PATH without any cloud CLI (this machine has some, e.g. in /usr/bin next to node).
    path: mkdtempSync(join(tmpdir(), "ferry-hub-path-")),
  });
  const hub = await startFerryProcess(sharedControlPlane().kubeconfigPath, testLogPath(), hubArgs(hubNs), env);
  t.after(() => hub.kill("SIGTERM"));
}

describe("member clusters on cloud identity alone (EKS, GKE, AKS)", () => {
  let cloud: Cloud;
  let members: MemberCluster[] = [];
  const byName = (name: string) => members.find((member) => member.name === name)!;

  before(async () => {
    cloud = await startCloud(LIFE_SECONDS);
    members = await startMemberClusters(["eks", "gke", "aks"], (name) => ({ tokenWebhook: cloud.tokenWebhook(name as CloudKind) }));
    await grantHub(byName("eks"), "ferry-hub");
    await grantHub(byName("gke"), GOOGLE_SA);
    await grantHub(byName("aks"), cloud.workload.objectId);
    await byName("aks").client.request("POST", "/api/v1/namespaces", { body: { metadata: { name: "ferry-spn" } } });
    await grantHub(byName("aks"), cloud.spn.objectId, "ferry-spn");
  });
  after(async () => {
    await stopMemberClusters(members);
    await cloud?.stop();
  });

  test("the seed's flow reaches an EKS, a GKE and an AKS member on cloud tokens alone, and keeps flowing after every first token has expired", async (t) => {
    const since = Date.now();
    const reviews = (kind: "eks" | "gke" | "aks") => cloud.webhooks[kind].reviews.filter((review) => review.at >= since);
    for (const member of members) await startTestFerry(t, { client: member.client, clusterName: undefined });
    const apps = new Map<string, string>();
    for (const member of members) apps.set(member.name, await createMemberNamespace(member, "app"));
    const hubNs = await hubNamespace(t, cloud);
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
    const hubNs = await hubNamespace(t, cloud);
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
