// Consent: under the strict policy a tenant who can write only in namespace A cannot make Ferry
// write anything into namespace B; the apiserver rejects invalid ferry.dev resources with a
// useful message.
import assert from "node:assert/strict";
import { test } from "node:test";
import { isApiError, type KubeClient } from "../../src/kube/client.js";
import { waitFor } from "../../src/util/wait-for.js";
import { adminClient, createNamespace, tokenClient, uniqueName } from "../support/cluster.js";
import { createSecret, eventsFor, getObject, startTestFerry, waitForObject } from "../support/ferry.js";

/** A ServiceAccount in `namespace` with full rights there (Secrets, ConfigMaps, Distributions) and nothing else. */
async function tenantClient(namespace: string): Promise<KubeClient> {
  const kube = await adminClient();
  await kube.request("POST", `/api/v1/namespaces/${namespace}/serviceaccounts`, { body: { metadata: { name: "tenant" } } });
  await kube.request("POST", `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/roles`, {
    body: {
      metadata: { name: "tenant" },
      rules: [
        { apiGroups: [""], resources: ["secrets", "configmaps"], verbs: ["*"] },
        { apiGroups: ["ferry.dev"], resources: ["distributions"], verbs: ["*"] },
      ],
    },
  });
  await kube.request("POST", `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings`, {
    body: {
      metadata: { name: "tenant" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "tenant" },
      subjects: [{ kind: "ServiceAccount", name: "tenant", namespace }],
    },
  });
  const token = await kube.request<{ status: { token: string } }>("POST", `/api/v1/namespaces/${namespace}/serviceaccounts/tenant/token`, {
    body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: 3600 } },
  });
  const tenant = await tokenClient(kube, token.status.token);
  await waitFor(
    async () => {
      await tenant.get(`/api/v1/namespaces/${namespace}/secrets`);
      return true;
    },
    { timeoutMs: 10_000, description: "tenant RBAC to take effect" },
  );
  return tenant;
}

test("strict policy: a tenant of namespace A cannot get anything written into namespace B", async (t) => {
  await startTestFerry(t, { policy: "strict" });
  const a = await createNamespace(t, "tenant-a");
  const b = await createNamespace(t, "victim-b");
  const welcoming = await createNamespace(t, "welcoming");
  const kube = await adminClient();
  await kube.request("PATCH", `/api/v1/namespaces/${welcoming}`, {
    body: { metadata: { annotations: { "ferry.dev/accept": a } } },
    contentType: "application/merge-patch+json",
  });
  const tenant = await tenantClient(a);
  await assert.rejects(createSecret(b, "direct", { v: "x" }, {}, tenant), (error: unknown) => isApiError(error, 403));

  // Every way a tenant has: our annotations, a peer's annotations, a Distribution, protected names.
  await createSecret(a, "by-annotation", { v: "1" }, { annotations: { "ferry.dev/sync-to": `${b},${welcoming}` } }, tenant);
  await createSecret(a, "by-star", { v: "1" }, { annotations: { "ferry.dev/sync-to": "*" } }, tenant);
  await createSecret(a, "by-kruise", { v: "1" }, { annotations: { "openkruise.io/sync-to": "cluster" } }, tenant);
  await createSecret(a, "by-replicator", { v: "1" }, { annotations: { "replicator.v1.mittwald.de/replicate-to": b } }, tenant);
  await createSecret(a, "by-protected", { v: "1" }, { annotations: { "ferry.dev/sync-to": "kube-system,ferry-system,kube-public" } }, tenant);
  await createSecret(a, "by-distribution", { v: "1" }, {}, tenant);
  await tenant.request("POST", `/apis/ferry.dev/v1alpha1/namespaces/${a}/distributions`, {
    body: {
      apiVersion: "ferry.dev/v1alpha1",
      kind: "Distribution",
      metadata: { name: "sneaky" },
      spec: { source: { kind: "Secret", name: "by-distribution" }, targets: { allNamespaces: true }, conflict: "overwrite" },
    },
  });
  // A Distribution cannot name another namespace's source: the schema has no such field.
  await assert.rejects(
    tenant.request("POST", `/apis/ferry.dev/v1alpha1/namespaces/${a}/distributions`, {
      body: {
        apiVersion: "ferry.dev/v1alpha1",
        kind: "Distribution",
        metadata: { name: "steal" },
        spec: { source: { kind: "Secret", name: "x", namespace: b }, targets: { namespaces: [a] } },
      },
      query: { fieldValidation: "Strict" },
    }),
    (error: unknown) => isApiError(error) && error.status >= 400,
  );

  // The namespace that opted in receives what was addressed to it; the denial is reported.
  await waitForObject("Secret", welcoming, "by-annotation");
  await waitForObject("Secret", welcoming, "by-star");
  await waitForObject("Secret", welcoming, "by-distribution");
  await waitFor(async () => (await eventsFor(a, "by-annotation")).some((e) => e.reason === "NotAccepted"), { timeoutMs: 30_000, description: "NotAccepted Event" });
  const secretsInB = await kube.get<{ items: Array<{ metadata: { name: string } }> }>(`/api/v1/namespaces/${b}/secrets`);
  assert.deepEqual(secretsInB.items.map((s) => s.metadata.name), []);
  for (const ns of ["kube-system", "ferry-system", "kube-public"]) assert.equal(await getObject("Secret", ns, "by-protected"), undefined, ns);
  await waitForObject("Secret", welcoming, "by-kruise");
  tenant.close();
});

test("the apiserver rejects ferry.dev resources that fail schema or CEL validation, with a useful message", async (t) => {
  const kube = await adminClient();
  await startTestFerry(t);
  const ns = await createNamespace(t, "invalid");
  const attempt = async (spec: unknown) => {
    try {
      await kube.request("POST", `/apis/ferry.dev/v1alpha1/namespaces/${ns}/distributions`, {
        body: { apiVersion: "ferry.dev/v1alpha1", kind: "Distribution", metadata: { name: uniqueName("bad") }, spec },
      });
      return "accepted";
    } catch (error) {
      assert.ok(isApiError(error, 422), `expected 422, got ${String(error)}`);
      return error.message;
    }
  };
  assert.match(await attempt({ source: { kind: "Secret", name: "s" }, targets: {} }), /targets must name namespaces/);
  assert.match(await attempt({ source: { kind: "Pod", name: "s" }, targets: { allNamespaces: true } }), /Unsupported value: "Pod"/);
  assert.match(await attempt({ source: { kind: "Secret", name: "s" }, targets: { namespaces: ["Not_A_Name"] } }), /should match/);
  assert.match(await attempt({ source: { kind: "Secret", name: "s" }, targets: { allNamespaces: true, namespaces: ["x"] } }), /mutually exclusive/);
  assert.match(
    await attempt({ source: { kind: "Secret", name: "s" }, targets: { namespaceSelector: { matchExpressions: [{ key: "a", operator: "In" }] } } }),
    /In and NotIn need values/,
  );
  assert.match(await attempt({ source: { kind: "Secret", name: "s" }, targets: { allNamespaces: true }, conflict: "steal" }), /Unsupported value: "steal"/);
  await assert.rejects(
    kube.request("POST", "/apis/ferry.dev/v1alpha1/clusterdistributions", {
      body: { apiVersion: "ferry.dev/v1alpha1", kind: "ClusterDistribution", metadata: { name: uniqueName("bad") }, spec: { source: { kind: "Secret", name: "s" }, targets: { allNamespaces: true } } },
    }),
    (error: unknown) => isApiError(error, 422) && /namespace: Required value/.test(error.message),
  );
});
