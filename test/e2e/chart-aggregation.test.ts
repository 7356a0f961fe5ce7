// The chart's ClusterRoles aggregated to Kubernetes' default roles, on the real apiserver with its
// clusterrole-aggregation controller: users bound to the built-in `edit`, `admin` or `view`
// ClusterRole in a namespace (ServiceAccounts authenticated by TokenRequest tokens, no
// impersonation) get Ferry's tenant API there and nothing else of it.
import assert from "node:assert/strict";
import { test, type TestContext } from "node:test";
import { isApiError, type KubeClient } from "../../src/kube/client.js";
import { waitFor } from "../../src/util/wait-for.js";
import { renderChart } from "../../tools/helm/chart.js";
import { applyToCluster, assertCrdsEstablished } from "../support/chart-cluster.js";
import { NATIVE_CRDS } from "../support/chart-values.js";
import { adminClient, createNamespace, tokenClient, uniqueName } from "../support/cluster.js";

const api = "/apis/ferry.dev/v1alpha1";

/** A ServiceAccount of `namespace` bound there to the built-in ClusterRole `role`, and a client authenticated as it. */
async function userWithRole(namespace: string, role: "view" | "edit" | "admin"): Promise<KubeClient> {
  const kube = await adminClient();
  const name = `${role}-user`;
  await kube.request("POST", `/api/v1/namespaces/${namespace}/serviceaccounts`, { body: { metadata: { name } } });
  await kube.request("POST", `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings`, {
    body: {
      metadata: { name },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
      subjects: [{ kind: "ServiceAccount", name, namespace }],
    },
  });
  const token = await kube.request<{ status: { token: string } }>("POST", `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`, {
    body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: 3600 } },
  });
  return tokenClient(kube, token.status.token);
}

const distribution = (namespace: string, name: string) => ({
  apiVersion: "ferry.dev/v1alpha1",
  kind: "Distribution",
  metadata: { name, namespace },
  spec: { source: { kind: "Secret", name: "db" }, targets: { namespaces: ["team-*"] } },
});

async function status(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 200;
  } catch (error) {
    if (isApiError(error)) return error.status;
    throw error;
  }
}

async function installChartRoles(t: TestContext): Promise<void> {
  const release = uniqueName("ferry");
  const { objects } = await renderChart({ release });
  const wanted = objects.filter((object) => object.kind === "CustomResourceDefinition" || (object.kind === "ClusterRole" && object.metadata.name !== release));
  assert.deepEqual(wanted.filter((object) => object.kind === "ClusterRole").map((object) => object.metadata.name).sort(), [`${release}-edit`, `${release}-view`]);
  await applyToCluster(t, release, wanted);
  await assertCrdsEstablished(await adminClient(), NATIVE_CRDS);
}

test("with the chart's aggregated roles, `edit` and `admin` in a namespace may write Distributions there, `view` may read them; ClusterDistributions and RegistryCredentials stay out of reach", async (t) => {
  const team = await createNamespace(t, "team-agg");
  const other = await createNamespace(t, "team-other");
  const editor = await userWithRole(team, "edit");
  const admin = await userWithRole(team, "admin");
  const viewer = await userWithRole(team, "view");
  await installChartRoles(t);

  // The clusterrole-aggregation controller folds the chart's rules into edit, admin and view.
  await waitFor(
    async () => (await status(editor.request("POST", `${api}/namespaces/${team}/distributions`, { body: distribution(team, "dry"), query: { dryRun: "All" } }))) === 200,
    { timeoutMs: 30_000, description: "`edit` to be allowed to create Distributions (aggregation)" },
  );
  await editor.request("POST", `${api}/namespaces/${team}/distributions`, { body: distribution(team, "by-editor") });
  await editor.request("PATCH", `${api}/namespaces/${team}/distributions/by-editor`, { body: { spec: { prune: false } }, contentType: "application/merge-patch+json" });
  assert.equal((await editor.get<{ spec: { prune: boolean } }>(`${api}/namespaces/${team}/distributions/by-editor`)).spec.prune, false);

  await waitFor(async () => (await status(admin.request("POST", `${api}/namespaces/${team}/distributions`, { body: distribution(team, "by-admin") }))) === 200, {
    timeoutMs: 30_000,
    description: "`admin` to be allowed to create Distributions (aggregation)",
  });
  await waitFor(async () => (await status(viewer.get(`${api}/namespaces/${team}/distributions`))) === 200, { timeoutMs: 30_000, description: "`view` to be allowed to list Distributions" });
  const listed = await viewer.get<{ items: Array<{ metadata: { name: string } }> }>(`${api}/namespaces/${team}/distributions`);
  assert.deepEqual(listed.items.map((item) => item.metadata.name).sort(), ["by-admin", "by-editor"]);
  assert.equal(await status(viewer.get(`${api}/namespaces/${team}/distributions/by-editor/status`)), 200, "view reads the status");

  // What none of them may do.
  const clusterDistribution = {
    apiVersion: "ferry.dev/v1alpha1",
    kind: "ClusterDistribution",
    metadata: { name: uniqueName("not-allowed") },
    spec: { source: { kind: "Secret", name: "db", namespace: team }, targets: { namespaces: ["*"] } },
  };
  for (const [who, client] of [["edit", editor], ["admin", admin]] as const) {
    assert.equal(await status(client.request("POST", `${api}/clusterdistributions`, { body: clusterDistribution })), 403, `${who}: no ClusterDistribution`);
    assert.equal(await status(client.get(`${api}/clusterdistributions`)), 403, `${who}: cannot list ClusterDistributions`);
    assert.equal(await status(client.request("POST", `${api}/namespaces/${other}/distributions`, { body: distribution(other, "elsewhere") })), 403, `${who}: not in another namespace`);
    assert.equal(await status(client.get(`${api}/namespaces/${team}/registrycredentials`)), 403, `${who}: RegistryCredentials are not aggregated`);
    assert.equal(
      await status(client.request("PATCH", `${api}/namespaces/${team}/distributions/by-editor/status`, { body: { status: { desired: 1 } }, contentType: "application/merge-patch+json" })),
      403,
      `${who}: the status is Ferry's to write`,
    );
  }
  assert.equal(await status(viewer.request("POST", `${api}/namespaces/${team}/distributions`, { body: distribution(team, "by-viewer") })), 403, "view: read only");
  assert.equal(await status(viewer.request("DELETE", `${api}/namespaces/${team}/distributions/by-editor`)), 403, "view: read only");
  await editor.request("DELETE", `${api}/namespaces/${team}/distributions/by-editor`);
});
