// Consent: under the strict policy a tenant who can write only in namespace A cannot make Ferry
// write anything into namespace B through any namespaced dialect (each dialect's inputs carry the
// scope its file declares: docs/dialects.md); under the default guarded policy the same inputs
// work as their formats document. The apiserver rejects invalid ferry.dev resources with a
// useful message.
import assert from "node:assert/strict";
import { test, type TestContext } from "node:test";
import { isApiError, type KubeClient } from "../../src/kube/client.js";
import { waitFor } from "../../src/util/wait-for.js";
import { adminClient, createNamespace, tokenClient, uniqueName } from "../support/cluster.js";
import { createSecret, eventsFor, getObject, secretValue, startTestFerry, waitForObject } from "../support/ferry.js";
import { waitForEvent } from "../support/manifests.js";

/** A ServiceAccount in `namespace` with full rights there (Secrets, ConfigMaps, Distributions, TemplateInstances) and nothing else. */
async function tenantClient(namespace: string): Promise<KubeClient> {
  const kube = await adminClient();
  await kube.request("POST", `/api/v1/namespaces/${namespace}/serviceaccounts`, { body: { metadata: { name: "tenant" } } });
  await kube.request("POST", `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/roles`, {
    body: {
      metadata: { name: "tenant" },
      rules: [
        { apiGroups: [""], resources: ["secrets", "configmaps"], verbs: ["*"] },
        { apiGroups: ["ferry.dev"], resources: ["distributions"], verbs: ["*"] },
        { apiGroups: ["tenantoperator.stakater.com"], resources: ["templateinstances"], verbs: ["*"] },
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

const STAKATER = "/apis/tenantoperator.stakater.com/v1alpha1";
const reflector = (key: string) => `reflector.v1.k8s.emberstack.com/${key}`;
const replicator = (key: string) => `replicator.v1.mittwald.de/${key}`;

/** The world of one consent test: the tenant's namespace A, a victim B, a namespace that accepts A, an administrator's. */
async function consentWorld(t: TestContext) {
  const kube = await adminClient();
  const label = uniqueName("consent");
  const a = await createNamespace(t, "tenant-a");
  const b = await createNamespace(t, "victim-b", { [label]: "yes" });
  const welcoming = await createNamespace(t, "welcoming", { [label]: "yes" });
  const shared = await createNamespace(t, "shared");
  await kube.request("PATCH", `/api/v1/namespaces/${welcoming}`, {
    body: { metadata: { annotations: { "ferry.dev/accept": a } } },
    contentType: "application/merge-patch+json",
  });
  // What an administrator set up: sources in B that consent to pulls into A, and a Template mapping
  // a Secret of the administrator's namespace (a TemplateInstance is a tenant's way to ask for it).
  await createSecret(b, "pull-src", { v: "b-data" }, { annotations: { [replicator("replication-allowed")]: "true", [replicator("replication-allowed-namespaces")]: a } });
  await createSecret(b, "reflect-src", { v: "b-data" }, { annotations: { [reflector("reflection-allowed")]: "true", [reflector("reflection-allowed-namespaces")]: a } });
  await createSecret(shared, "ti-src", { v: "shared" });
  const template = uniqueName("consent-tpl");
  await kube.request("POST", `${STAKATER}/templates`, {
    body: { apiVersion: "tenantoperator.stakater.com/v1alpha1", kind: "Template", metadata: { name: template }, resources: { resourceMappings: { secrets: [{ name: "ti-src", namespace: shared }] } } },
  });
  t.after(() => kube.request("DELETE", `${STAKATER}/templates/${template}`).catch(() => undefined));
  return { kube, label, a, b, welcoming, shared, template, tenant: await tenantClient(a) };
}

/**
 * Every way a tenant of A has to ask Ferry for copies, one per namespaced dialect, each naming B
 * and the namespace that accepts A: Ferry's annotations and Distribution, kruise, whisperer,
 * replicator push and pull, Reflector auto mirrors and pull, kubed, mw-sync, a TemplateInstance.
 */
async function tenantAsksEverything(world: Awaited<ReturnType<typeof consentWorld>>): Promise<void> {
  const { a, b, welcoming, label, template, tenant } = world;
  const both = `${b},${welcoming}`;
  await createSecret(a, "by-annotation", { v: "1" }, { annotations: { "ferry.dev/sync-to": both } }, tenant);
  await createSecret(a, "by-kruise", { v: "1" }, { annotations: { "openkruise.io/sync-to": "namespaces", "openkruise.io/sync-to-namespaces": `${b};${welcoming}` } }, tenant);
  await createSecret(a, "by-whisperer", { v: "1" }, { labels: { "secret-syncer.jeffl.es/sync": "true" }, annotations: { "secret-syncer.jeffl.es/namespaces": both } }, tenant);
  await createSecret(a, "by-replicator", { v: "1" }, { annotations: { [replicator("replicate-to")]: both } }, tenant);
  await createSecret(a, "by-reflector", { v: "1" }, {
    annotations: { [reflector("reflection-allowed")]: "true", [reflector("reflection-allowed-namespaces")]: both, [reflector("reflection-auto-enabled")]: "true", [reflector("reflection-auto-namespaces")]: both },
  }, tenant);
  await createSecret(a, "by-kubed", { v: "1" }, { annotations: { "kubed.appscode.com/sync": `${label}=yes` } }, tenant);
  await createSecret(a, "by-mwsync", { v: "1" }, { annotations: { "mw-sync": "yes" } }, tenant);
  await createSecret(a, "replicator-pull", {}, { annotations: { [replicator("replicate-from")]: `${b}/pull-src` } }, tenant);
  await createSecret(a, "reflector-pull", {}, { annotations: { [reflector("reflects")]: `${b}/reflect-src` } }, tenant);
  await createSecret(a, "by-distribution", { v: "1" }, {}, tenant);
  await tenant.request("POST", `/apis/ferry.dev/v1alpha1/namespaces/${a}/distributions`, {
    body: {
      apiVersion: "ferry.dev/v1alpha1",
      kind: "Distribution",
      metadata: { name: "by-distribution" },
      spec: { source: { kind: "Secret", name: "by-distribution" }, targets: { namespaces: [b, welcoming] }, conflict: "overwrite" },
    },
  });
  await tenant.request("POST", `${STAKATER}/namespaces/${a}/templateinstances`, {
    body: { apiVersion: "tenantoperator.stakater.com/v1alpha1", kind: "TemplateInstance", metadata: { name: "by-template" }, spec: { template, sync: true } },
  });
}

const pushed = ["by-annotation", "by-kruise", "by-whisperer", "by-replicator", "by-reflector", "by-kubed", "by-distribution"];
const names = async (kube: KubeClient, namespace: string) =>
  (await kube.get<{ items: Array<{ metadata: { name: string } }> }>(`/api/v1/namespaces/${namespace}/secrets`)).items.map((s) => s.metadata.name).sort();

test("strict policy: a tenant of namespace A cannot get anything written into namespace B, by any namespaced dialect", async (t) => {
  const ferry = await startTestFerry(t, { policy: "strict" });
  const world = await consentWorld(t);
  const { kube, a, b, welcoming, tenant } = world;
  await assert.rejects(createSecret(b, "direct", { v: "x" }, {}, tenant), (error: unknown) => isApiError(error, 403));
  await assert.rejects(
    tenant.request("POST", `${STAKATER}/namespaces/${b}/templateinstances`, { body: { apiVersion: "tenantoperator.stakater.com/v1alpha1", kind: "TemplateInstance", metadata: { name: "x" }, spec: { template: world.template } } }),
    (error: unknown) => isApiError(error, 403),
  );
  await tenantAsksEverything(world);
  await createSecret(a, "by-star", { v: "1" }, { annotations: { "ferry.dev/sync-to": "*" } }, tenant);
  await createSecret(a, "by-kruise-cluster", { v: "1" }, { annotations: { "openkruise.io/sync-to": "cluster" } }, tenant);
  await createSecret(a, "by-protected", { v: "1" }, { annotations: { "ferry.dev/sync-to": "kube-system,ferry-system,kube-public" } }, tenant);
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

  // The namespace that opted in receives what was addressed to it; the denials are reported.
  for (const name of [...pushed, "by-star", "by-kruise-cluster"]) await waitForObject("Secret", welcoming, name);
  for (const name of ["by-annotation", "by-replicator", "by-whisperer"]) {
    await waitFor(async () => (await eventsFor(a, name)).some((e) => e.reason === "NotAccepted"), { timeoutMs: 30_000, description: `NotAccepted Event of ${name}` });
  }
  // A TemplateInstance is a tenant's rule: A does not accept copies from the administrator's namespace.
  await waitFor(async () => (await eventsFor(a, "by-template")).some((e) => e.reason === "NotAccepted"), { timeoutMs: 30_000, description: "NotAccepted Event of the TemplateInstance" });
  await waitForEvent(a, "by-mwsync", "NotInFerryNamespace");
  await ferry.engine.idle();
  assert.deepEqual(await names(kube, b), ["pull-src", "reflect-src"], "nothing was written into B");
  assert.deepEqual((await kube.get<{ items: unknown[] }>(`/api/v1/namespaces/${b}/configmaps`, { query: { labelSelector: "app.kubernetes.io/managed-by=ferry" } })).items, []);
  assert.deepEqual(await names(kube, welcoming), [...pushed, "by-kruise-cluster", "by-star"].sort(), "the accepting namespace got exactly what was addressed to it");
  assert.equal(await getObject("Secret", a, "ti-src"), undefined, "the TemplateInstance wrote nothing into A without A's consent");
  for (const pull of ["replicator-pull", "reflector-pull"]) assert.deepEqual((await getObject("Secret", a, pull))?.data ?? {}, {}, `${pull} was not filled from B`);
  for (const ns of ["kube-system", "ferry-system", "kube-public"]) assert.equal(await getObject("Secret", ns, "by-protected"), undefined, ns);
  tenant.close();
});

test("guarded policy (the default): the same tenant inputs work as their formats document, and still never reach protected namespaces", async (t) => {
  await startTestFerry(t);
  const world = await consentWorld(t);
  const { a, b, welcoming, tenant } = world;
  await tenantAsksEverything(world);
  await createSecret(a, "by-protected", { v: "1" }, { annotations: { "ferry.dev/sync-to": "kube-system,ferry-system,kube-public" } }, tenant);
  for (const ns of [b, welcoming]) for (const name of pushed) await waitForObject("Secret", ns, name);
  await waitForObject("Secret", a, "ti-src", (o) => secretValue(o, "v") === "shared");
  for (const pull of ["replicator-pull", "reflector-pull"]) await waitForObject("Secret", a, pull, (o) => secretValue(o, "v") === "b-data");
  await waitForEvent(a, "by-mwsync", "NotInFerryNamespace");
  for (const ns of ["kube-system", "ferry-system", "kube-public"]) assert.equal(await getObject("Secret", ns, "by-protected"), undefined, ns);
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
