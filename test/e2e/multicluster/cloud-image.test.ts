// The seed's EKS case from Ferry's image itself: the image has no aws CLI, argocd-k8s-auth,
// aws-iam-authenticator, gke-gcloud-auth-plugin or kubelogin, and a hub running from its root
// filesystem (as the chart's pod: uid 65532, read-only root, a /tmp emptyDir) serves an EKS member
// registered with Argo CD's awsAuthConfig on IRSA alone. The member's API server authenticates
// the token as EKS does (cloud-support.ts); the image is built by `npm run image` or reused.
import assert from "node:assert/strict";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { freePort } from "../../../src/controlplane/free-port.js";
import { WaitAborted, waitFor } from "../../../src/util/wait-for.js";
import { buildImage } from "../../../tools/image/build.js";
import { imageUser } from "../../../tools/image/image-spec.js";
import { sharedControlPlane, uniqueName } from "../../support/cluster.js";
import { b64, createSecret, secretValue, startTestFerry, testLogPath } from "../../support/ferry.js";
import { startContainer } from "../../support/image-container.js";
import { unpackImage } from "../../support/image-rootfs.js";
import { EKS_CLUSTER, grantHub, hubArgs, hubEnvironment, hubNamespace, hubProjectedTokens, register, registrations, served, startCloud, waitForStatuses, type Cloud } from "./cloud-support.js";
import { FERRY_NS, createMemberNamespace, startMemberClusters, stopMemberClusters, waitForMemberObject, type MemberCluster } from "./support.js";

const CLOUD_CLIS = ["aws", "argocd-k8s-auth", "aws-iam-authenticator", "gke-gcloud-auth-plugin", "kubelogin"];

describe("Ferry's image serves cloud members with no cloud CLI", () => {
  let cloud: Cloud;
  let members: MemberCluster[] = [];
  before(async () => {
    cloud = await startCloud(900);
    members = await startMemberClusters(["eks"], () => ({ tokenWebhook: cloud.tokenWebhook("eks") }));
    await grantHub(members[0]!, "ferry-hub");
  });
  after(async () => {
    await stopMemberClusters(members);
    await cloud?.stop();
  });

  test("a hub run from the image's root filesystem pushes the seed's flow to an EKS member registered with awsAuthConfig, on IRSA alone", async (t) => {
    const eks = members[0]!;
    const image = await buildImage();
    const work = mkdtempSync(join(tmpdir(), "ferry-cloud-image-"));
    t.after(() => rmSync(work, { recursive: true, force: true }));
    const root = join(work, "root");
    const archive = await unpackImage(image.path, root);
    const imagePath = (archive.config.config.Env ?? []).find((entry) => entry.startsWith("PATH="))!.slice(5);
    for (const dir of imagePath.split(":")) for (const cli of CLOUD_CLIS) assert.ok(!existsSync(join(root, dir, cli)), `${dir}/${cli} is in the image`);

    await startTestFerry(t, { client: eks.client, clusterName: undefined });
    const app = await createMemberNamespace(eks, "app");
    const hubNs = await hubNamespace(t, cloud);
    await register(hubNs, "eks-prod", registrations.eks(eks, EKS_CLUSTER, cloud.memberRole), { "argocd.argoproj.io/secret-type": "cluster" });

    // What the pod would have mounted: the projected IRSA token, the hub cluster's kubeconfig and this test's CA.
    const mounted = join(work, "mounted");
    const tokens = await hubProjectedTokens(hubNs);
    mkdirSync(mounted, { mode: 0o755 });
    copyFileSync(tokens.irsa, join(mounted, "irsa-token"));
    copyFileSync(tokens.azure, join(mounted, "azure-token"));
    copyFileSync(sharedControlPlane().kubeconfigPath, join(mounted, "kubeconfig"));
    copyFileSync(cloud.caFile, join(mounted, "ca.pem"));
    for (const file of ["irsa-token", "azure-token", "kubeconfig", "ca.pem"]) chmodSync(join(mounted, file), 0o644);
    chmodSync(work, 0o755);
    const at = "/var/run/ferry-hub";
    const { PATH: _hostPath, ...env } = hubEnvironment(cloud, { irsa: `${at}/irsa-token`, azure: `${at}/azure-token`, caFile: `${at}/ca.pem`, home: "/tmp", path: imagePath });
    const port = await freePort();
    const container = startContainer({
      root,
      image: archive.config.config,
      args: ["run", "--kubeconfig", `${at}/kubeconfig`, ...hubArgs(hubNs), "--health-port", String(port), "--log-format", "json"],
      env,
      uid: imageUser.uid,
      gid: imageUser.gid,
      readOnlyRoot: true,
      tmpfs: [{ path: "/tmp", sizeMiB: 64 }],
      binds: [{ source: mounted, target: at }],
      output: testLogPath(),
    });
    let code: number | null | undefined;
    void container.exited.then((c) => (code = c));
    t.after(async () => {
      if (code === undefined) container.child.kill("SIGKILL");
      await container.exited;
    });
    await waitFor(
      async () => {
        if (code !== undefined) throw new WaitAborted(`the image exited ${code} before it was ready; see ${testLogPath()}`);
        return (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200;
      },
      { timeoutMs: 90_000, description: "the hub in the image to become ready" },
    );

    const name = uniqueName("regcred");
    const dockerconfig = JSON.stringify({ auths: { "123456789012.dkr.ecr.eu-west-1.amazonaws.com": { auth: b64("AWS:from-the-image") } } });
    await createSecret(hubNs, name, { ".dockerconfigjson": dockerconfig }, { type: "kubernetes.io/dockerconfigjson", annotations: { "mw-sync": "yes" } });
    await waitForMemberObject(eks, "Secret", FERRY_NS, name, (o) => secretValue(o, ".dockerconfigjson") === dockerconfig, 60_000);
    await waitForMemberObject(eks, "Secret", app, name, (o) => secretValue(o, ".dockerconfigjson") === dockerconfig, 60_000);
    await waitForStatuses(hubNs, { "eks-prod": served }, "the EKS member served from the image");
    assert.ok(cloud.webhooks.eks.reviews.some((review) => review.user === "ferry-hub"), "the member authenticated the hub's EKS token");
  });
});
