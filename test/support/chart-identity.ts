// Ferry in tests runs as the Helm chart's ServiceAccount, with exactly the chart's RBAC rules
// (charts/ferry/files/rbac.yaml), authenticated by a TokenRequest token: anything the chart
// does not grant fails the test that needs it. The harness itself acts as admin.
import { expectedRbacRules } from "../../tools/helm/chart.js";
import { isApiError, type KubeClient } from "../../src/kube/client.js";
import { waitFor } from "../../src/util/wait-for.js";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { adminClient, sharedControlPlane, tokenClient } from "./cluster.js";
import { kubeConfigVariant } from "./kubeconfig-variant.js";

const name = "ferry-chart-identity";

async function put(kube: KubeClient, collection: string, body: { metadata: { name: string } }): Promise<void> {
  try {
    await kube.request("POST", collection, { body });
  } catch (error) {
    if (!isApiError(error, 409)) throw error;
    const current = await kube.get<{ metadata: { resourceVersion: string } }>(`${collection}/${body.metadata.name}`);
    await kube.request("PUT", `${collection}/${body.metadata.name}`, { body: { ...body, metadata: { ...body.metadata, resourceVersion: current.metadata.resourceVersion } } });
  }
}

const clients = new Map<string, Promise<KubeClient>>();

/**
 * A client for Ferry in namespace `namespace`, holding only the chart's permissions, on the
 * run's shared cluster or on the cluster of the given admin client.
 */
export async function chartClient(namespace = "ferry-system", admin?: KubeClient): Promise<KubeClient> {
  const kube = admin ?? (await adminClient());
  const key = `${kube.server.href}|${namespace}`;
  let client = clients.get(key);
  if (!client) {
    client = create(kube, namespace);
    clients.set(key, client);
  }
  return client;
}

/**
 * A token (TokenRequest, 2 hours) of the chart's ServiceAccount in `namespace`, which gets exactly
 * the chart's RBAC first: what the kubelet mounts into the chart's pod.
 */
export async function chartToken(kube: KubeClient, namespace: string): Promise<string> {
  const rules = expectedRbacRules();
  const rbac = "/apis/rbac.authorization.k8s.io/v1";
  await put(kube, "/api/v1/namespaces", { metadata: { name: namespace } });
  await put(kube, `/api/v1/namespaces/${namespace}/serviceaccounts`, { metadata: { name } });
  await put(kube, `${rbac}/clusterroles`, { metadata: { name }, rules: rules.cluster } as { metadata: { name: string } });
  await put(kube, `${rbac}/clusterrolebindings`, {
    metadata: { name: `${name}-${namespace}` },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
    subjects: [{ kind: "ServiceAccount", name, namespace }],
  } as { metadata: { name: string } });
  await put(kube, `${rbac}/namespaces/${namespace}/roles`, { metadata: { name }, rules: rules.leaderElection } as { metadata: { name: string } });
  await put(kube, `${rbac}/namespaces/${namespace}/rolebindings`, {
    metadata: { name },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
    subjects: [{ kind: "ServiceAccount", name, namespace }],
  } as { metadata: { name: string } });
  const token = await kube.request<{ status: { token: string } }>("POST", `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`, {
    body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: 7200 } },
  });
  return token.status.token;
}

/**
 * A kubeconfig file for the run's cluster that authenticates as the chart's ServiceAccount in
 * `namespace` (exactly the chart's RBAC): for Ferry run as a process (test/support/ferry-process.ts).
 */
export async function chartKubeconfigFile(namespace = "ferry-system"): Promise<string> {
  const kube = await adminClient();
  const config = kubeConfigVariant(kube, { user: { token: await chartToken(kube, namespace) } });
  const path = join(sharedControlPlane().dir, `chart-${namespace}-${randomBytes(4).toString("hex")}.kubeconfig`);
  writeFileSync(path, config.exportConfig(), { mode: 0o600 });
  return path;
}

async function create(kube: KubeClient, namespace: string): Promise<KubeClient> {
  const client = await tokenClient(kube, await chartToken(kube, namespace));
  await waitFor(
    async () => {
      await client.get("/api/v1/secrets", { query: { limit: 1 } });
      return true;
    },
    { timeoutMs: 10_000, description: "the chart's RBAC to take effect" },
  );
  return client;
}
