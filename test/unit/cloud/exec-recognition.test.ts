// Which kubeconfig exec plugins Ferry serves itself, read as the plugins read their flags and
// environment; and the renewal schedule every cloud token shares.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CloudTokenError, RenewingToken, type ClusterToken } from "../../../src/cloud/cluster-token.js";
import { AKS_SERVER_APPLICATION_ID, recogniseExec } from "../../../src/cloud/exec-recognition.js";

const native = (command: string, args: string[], env: Record<string, string> = {}, execEnv: Array<{ name: string; value: string }> = []) => {
  const result = recogniseExec({ command, args, env: execEnv }, env);
  assert.equal(result.kind, "native", JSON.stringify(result));
  return result.kind === "native" ? result.credential : undefined;
};

test("EKS: aws eks get-token, aws-iam-authenticator and argocd-k8s-auth aws, with role, region and profile", () => {
  assert.deepEqual(native("aws", ["--region", "eu-west-1", "eks", "get-token", "--cluster-name", "prod", "--role-arn", "arn:aws:iam::1:role/hub"]), {
    cloud: "eks",
    clusterName: "prod",
    roleArn: "arn:aws:iam::1:role/hub",
    region: "eu-west-1",
  });
  assert.deepEqual(native("/usr/local/bin/aws", ["eks", "get-token", "--cluster-name=prod"], { AWS_REGION: "us-west-2" }, [{ name: "AWS_PROFILE", value: "mgmt" }]), {
    cloud: "eks",
    clusterName: "prod",
    profile: "mgmt",
    region: "us-west-2",
  });
  assert.deepEqual(native("aws-iam-authenticator", ["token", "-i", "prod", "-r", "arn:aws:iam::1:role/hub", "--external-id", "x-1"]), {
    cloud: "eks",
    clusterName: "prod",
    roleArn: "arn:aws:iam::1:role/hub",
    externalId: "x-1",
  });
  assert.deepEqual(native("argocd-k8s-auth", ["aws", "--cluster-name", "prod", "--role-arn", "arn:aws:iam::1:role/hub", "--profile", "p"]), {
    cloud: "eks",
    clusterName: "prod",
    roleArn: "arn:aws:iam::1:role/hub",
    profile: "p",
  });
  assert.deepEqual(recogniseExec({ command: "aws", args: ["eks", "get-token"] }, {}), { kind: "unsupported", binary: "aws eks get-token", reason: "aws eks get-token: no cluster name (--cluster-name)" });
  assert.deepEqual(recogniseExec({ command: "aws", args: ["sts", "get-caller-identity"] }, {}), { kind: "other" });
});

test("GKE: gke-gcloud-auth-plugin and argocd-k8s-auth gcp", () => {
  assert.deepEqual(native("gke-gcloud-auth-plugin", []), { cloud: "gke" });
  assert.deepEqual(native("argocd-k8s-auth", ["gcp"]), { cloud: "gke" });
});

test("AKS: kubelogin get-token spn, workloadidentity and msi; environment variables win over flags as in kubelogin; interactive logins need the binary", () => {
  const spn = native(
    "kubelogin",
    ["get-token", "--environment", "AzurePublicCloud", "--server-id", "srv", "--client-id", "flag-client", "--tenant-id", "tenant", "--login", "spn"],
    { AAD_SERVICE_PRINCIPAL_CLIENT_ID: "env-client", AAD_SERVICE_PRINCIPAL_CLIENT_SECRET: "s3cret" },
  );
  assert.deepEqual(spn, { cloud: "aks", login: "spn", serverId: "srv", authorityHost: "https://login.microsoftonline.com/", clientId: "env-client", tenantId: "tenant", clientSecret: "s3cret" });
  const wi = native("kubelogin", ["get-token", "--login", "workloadidentity", "--server-id", "srv"], {
    AZURE_CLIENT_ID: "c",
    AZURE_TENANT_ID: "t",
    AZURE_FEDERATED_TOKEN_FILE: "/var/run/secrets/azure/tokens/azure-identity-token",
    AZURE_AUTHORITY_HOST: "https://login.microsoftonline.us/",
  });
  assert.deepEqual(wi, { cloud: "aks", login: "workloadidentity", serverId: "srv", authorityHost: "https://login.microsoftonline.us/", clientId: "c", tenantId: "t", federatedTokenFile: "/var/run/secrets/azure/tokens/azure-identity-token" });
  assert.deepEqual(native("kubelogin", ["get-token", "-l", "msi", "--server-id", "srv", "--client-id", "uami", "-e", "AzureChinaCloud"]), {
    cloud: "aks",
    login: "msi",
    serverId: "srv",
    authorityHost: "https://login.chinacloudapi.cn/",
    clientId: "uami",
  });
  const azure = native("argocd-k8s-auth", ["azure"], { AZURE_CLIENT_ID: "c", AZURE_TENANT_ID: "t", AZURE_FEDERATED_TOKEN_FILE: "/f" });
  assert.equal(azure?.cloud === "aks" && azure.serverId, AKS_SERVER_APPLICATION_ID);
  const device = recogniseExec({ command: "kubelogin", args: ["get-token", "--server-id", "srv"] }, {});
  assert.equal(device.kind, "unsupported");
  assert.match(device.kind === "unsupported" ? device.reason : "", /login method "devicecode" needs a person or a CLI/);
  const noSecret = recogniseExec({ command: "kubelogin", args: ["get-token", "--login", "spn", "--server-id", "srv", "--client-id", "c", "--tenant-id", "t"] }, {});
  assert.match(noSecret.kind === "unsupported" ? noSecret.reason : "", /missing a client secret/);
});

test("any other plugin is not ours", () => {
  assert.deepEqual(recogniseExec({ command: "vault-k8s-login", args: ["token"] }, {}), { kind: "other" });
  assert.deepEqual(recogniseExec({ command: "kubelogin", args: ["convert-kubeconfig"] }, {}), { kind: "other" });
});

test("RenewingToken: renews at 75 % of a token's life, keeps a working token while a renewal fails, fails once it has expired", async () => {
  let now = 1_000_000;
  let minted = 0;
  let failing = false;
  const source = {
    description: "test",
    async mint(): Promise<ClusterToken> {
      if (failing) throw new CloudTokenError("token service down");
      minted++;
      return { token: `t${minted}`, expiresAt: new Date(now + 20_000) };
    },
  };
  const renewing = new RenewingToken(source, () => now);
  assert.equal(renewing.renewAt(), undefined);
  assert.equal((await renewing.token()).token, "t1");
  assert.equal(renewing.renewAt(), 1_015_000);
  now += 14_999;
  assert.equal((await renewing.token()).token, "t1");
  now += 1;
  assert.equal((await renewing.token()).token, "t2");
  failing = true;
  now += 16_000;
  const attempts = { before: minted };
  assert.equal((await renewing.token()).token, "t2", "the current token still works");
  // 4 s left: the next attempt waits 1 s (a quarter of it), not the next request.
  assert.equal(renewing.renewAt(), now + 1_000);
  failing = false;
  assert.equal((await renewing.token()).token, "t2", "no new attempt before the retry time");
  assert.equal(minted, attempts.before);
  failing = true;
  now += 5_000;
  await assert.rejects(renewing.token(), /token service down/);
  failing = false;
  assert.equal((await renewing.token()).token, "t3");
});
