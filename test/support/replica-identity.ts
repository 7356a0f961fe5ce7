// Replicas of Ferry as distinct ServiceAccounts, each holding the chart's rules (cluster-wide and
// the leader-election Role in Ferry's namespace), so the apiserver's audit log tells their writes
// apart and one replica's access to the Lease can be revoked while it keeps everything else.
import { KubeConfig } from "@kubernetes/client-node";
import { expectedRbacRules } from "../../tools/helm/chart.js";
import { KubeClient, isApiError, type KubeClientOptions } from "../../src/kube/client.js";
import { waitFor } from "../../src/util/wait-for.js";

const rbac = "/apis/rbac.authorization.k8s.io/v1";

export interface ReplicaIdentity {
  /** The apiserver's name for this replica (audit log `user.username`). */
  username: string;
  /** A client authenticated as this replica, optionally through another server URL (a proxy). */
  client(options?: KubeClientOptions, server?: string): Promise<KubeClient>;
  /** Deletes this replica's binding to the leader-election Role: it can no longer read or renew the Lease. */
  revokeLease(): Promise<void>;
}

async function createIfMissing(admin: KubeClient, collection: string, body: Record<string, unknown>): Promise<void> {
  try {
    await admin.request("POST", collection, { body });
  } catch (error) {
    if (!isApiError(error, 409)) throw error;
  }
}

export async function replicaIdentity(admin: KubeClient, namespace: string, name: string): Promise<ReplicaIdentity> {
  const rules = expectedRbacRules();
  await createIfMissing(admin, `${rbac}/clusterroles`, { metadata: { name: "ferry-replica" }, rules: rules.cluster });
  await createIfMissing(admin, `${rbac}/namespaces/${namespace}/roles`, { metadata: { name: "ferry-replica-leases" }, rules: rules.leaderElection });
  await createIfMissing(admin, `/api/v1/namespaces/${namespace}/serviceaccounts`, { metadata: { name } });
  const subjects = [{ kind: "ServiceAccount", name, namespace }];
  await createIfMissing(admin, `${rbac}/clusterrolebindings`, {
    metadata: { name: `${namespace}-${name}` },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "ferry-replica" },
    subjects,
  });
  const leaseBinding = `${rbac}/namespaces/${namespace}/rolebindings/${name}-leases`;
  await createIfMissing(admin, `${rbac}/namespaces/${namespace}/rolebindings`, {
    metadata: { name: `${name}-leases` },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "ferry-replica-leases" },
    subjects,
  });
  const token = await admin.request<{ status: { token: string } }>("POST", `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`, {
    body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: 3600 } },
  });
  const cluster = admin.config.getCurrentCluster()!;
  const client = async (options: KubeClientOptions = {}, server = cluster.server) => {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: "c", server, caData: cluster.caData, skipTLSVerify: false }],
      users: [{ name, token: token.status.token }],
      contexts: [{ name: "x", cluster: "c", user: name }],
      currentContext: "x",
    });
    return KubeClient.create(kubeConfig, options);
  };
  const probe = await client();
  await waitFor(
    async () => {
      // 404 (no Lease yet) once the Role applies; 403 before.
      await probe.getOptional(`/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/ferry-leader`);
      await probe.get("/api/v1/secrets", { query: { limit: 1 } });
      return true;
    },
    { timeoutMs: 10_000, description: `the RBAC of ${name} to take effect` },
  ).finally(() => probe.close());
  return {
    username: `system:serviceaccount:${namespace}:${name}`,
    client,
    revokeLease: () => admin.request("DELETE", leaseBinding).then(() => undefined),
  };
}
