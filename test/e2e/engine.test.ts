// The distribution engine on the real control plane: every behaviour of the engine issue.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CONTENT_HASH_ANNOTATION, MANAGED_BY_LABEL, RULE_LABEL } from "../../src/core/marks.js";
import type { KubeObject } from "../../src/kube/informer.js";
import { waitFor } from "../../src/util/wait-for.js";
import { expectedRbacRules } from "../../tools/helm/chart.js";
import { adminClient, createNamespace, tokenClient, uniqueName } from "../support/cluster.js";
import {
  b64,
  createConfigMap,
  createResource,
  createSecret,
  deleteObject,
  deleteResource,
  eventsFor,
  eventsSettled,
  eventWrites,
  getObject,
  getResource,
  patchObject,
  secretValue,
  startTestFerry,
  waitForGone,
  waitForObject,
} from "../support/ferry.js";
import type { RunningFerry } from "../../src/cli/run.js";

const clusterDistributions = "/apis/ferry.dev/v1alpha1/clusterdistributions";
const distributions = (ns: string) => `/apis/ferry.dev/v1alpha1/namespaces/${ns}/distributions`;
const readyCondition = (object: KubeObject | undefined) =>
  ((object?.status as { conditions?: Array<{ type: string; status: string; reason: string }> } | undefined)?.conditions ?? []).find((c) => c.type === "Ready");

test("annotation: copies appear, follow updates, are restored after hand edits and deletes, and go with the source", async (t) => {
  await startTestFerry(t);
  const src = await createNamespace(t, "src");
  const a = await createNamespace(t, "a");
  const b = await createNamespace(t, "b");
  await createSecret(src, "db", { password: "one" }, { annotations: { "ferry.dev/sync-to": `${a}, ${b}` }, labels: { team: "x" } });
  for (const ns of [a, b]) {
    const copy = await waitForObject("Secret", ns, "db");
    assert.equal(secretValue(copy, "password"), "one");
    assert.equal(copy.metadata.labels?.[MANAGED_BY_LABEL], "ferry");
    assert.equal(copy.metadata.labels?.team, "x");
    assert.ok(copy.metadata.annotations?.[CONTENT_HASH_ANNOTATION]);
    assert.equal(copy.metadata.annotations?.["ferry.dev/sync-to"], undefined, "a copy never looks like a source");
  }

  await patchObject("Secret", src, "db", { data: { password: Buffer.from("two").toString("base64") } });
  for (const ns of [a, b]) await waitForObject("Secret", ns, "db", (o) => secretValue(o, "password") === "two");

  await patchObject("Secret", a, "db", { data: { password: Buffer.from("tampered").toString("base64") } });
  await waitForObject("Secret", a, "db", (o) => secretValue(o, "password") === "two");

  await deleteObject("Secret", b, "db");
  await waitForObject("Secret", b, "db", (o) => secretValue(o, "password") === "two");

  await deleteObject("Secret", src, "db");
  await waitForGone("Secret", a, "db");
  await waitForGone("Secret", b, "db");
});

test("ClusterDistribution: namespaces selected by label, including new and relabelled ones; leaving the selection prunes", async (t) => {
  await startTestFerry(t);
  const src = await createNamespace(t, "src");
  const env = uniqueName("env");
  const early = await createNamespace(t, "early", { env });
  await createConfigMap(src, "settings", { url: "https://example.test" });
  const name = uniqueName("cd");
  await createResource(clusterDistributions, {
    apiVersion: "ferry.dev/v1alpha1",
    kind: "ClusterDistribution",
    metadata: { name },
    spec: { source: { kind: "ConfigMap", name: "settings", namespace: src }, targets: { namespaceSelector: { matchLabels: { env } } } },
  });
  t.after(() => deleteResource(`${clusterDistributions}/${name}`));
  await waitForObject("ConfigMap", early, "settings", (o) => (o.data as Record<string, string>).url === "https://example.test");

  const late = await createNamespace(t, "late", { env });
  await waitForObject("ConfigMap", late, "settings");
  const relabelled = await createNamespace(t, "relabel");
  const kube = await adminClient();
  await kube.request("PATCH", `/api/v1/namespaces/${relabelled}`, { body: { metadata: { labels: { env } } }, contentType: "application/merge-patch+json" });
  await waitForObject("ConfigMap", relabelled, "settings");

  await kube.request("PATCH", `/api/v1/namespaces/${early}`, { body: { metadata: { labels: { env: null } } }, contentType: "application/merge-patch+json" });
  await waitForGone("ConfigMap", early, "settings");

  const status = await waitFor(
    async () => {
      const object = await getResource(`${clusterDistributions}/${name}`);
      return readyCondition(object)?.status === "True" ? object : undefined;
    },
    { timeoutMs: 30_000, description: "ClusterDistribution Ready" },
  );
  assert.equal((status.status as { desired: number }).desired, 2);
  assert.equal((status.status as { synced: number }).synced, 2);

  await deleteResource(`${clusterDistributions}/${name}`);
  await waitForGone("ConfigMap", late, "settings");
  await waitForGone("ConfigMap", relabelled, "settings");
});

test("Distribution (tenant): copies from its own namespace; deleting it deletes the copies; another namespace's source is refused", async (t) => {
  await startTestFerry(t);
  const team = await createNamespace(t, "team");
  const target = await createNamespace(t, "target");
  await createSecret(team, "api-key", { key: "k1" });
  await createResource(distributions(team), {
    apiVersion: "ferry.dev/v1alpha1",
    kind: "Distribution",
    metadata: { name: "share" },
    spec: { source: { kind: "Secret", name: "api-key" }, targets: { namespaces: [target] }, copy: { name: "team-api-key", labels: { shared: "yes" } } },
  });
  const copy = await waitForObject("Secret", target, "team-api-key");
  assert.equal(copy.metadata.labels?.shared, "yes");
  await waitFor(async () => readyCondition(await getResource(`${distributions(team)}/share`))?.status === "True", { timeoutMs: 30_000, description: "Ready" });

  await deleteResource(`${distributions(team)}/share`);
  await waitForGone("Secret", target, "team-api-key");
});

test("a source or rule deleted while Ferry is down is cleaned up at start (copies found by label)", async (t) => {
  const first = await startTestFerry(t);
  const src = await createNamespace(t, "src");
  const a = await createNamespace(t, "a");
  await createSecret(src, "gone-source", { v: "1" }, { annotations: { "ferry.dev/sync-to": a } });
  await createConfigMap(src, "gone-rule", { v: "1" });
  const name = uniqueName("cd");
  await createResource(clusterDistributions, {
    apiVersion: "ferry.dev/v1alpha1",
    kind: "ClusterDistribution",
    metadata: { name },
    spec: { source: { kind: "ConfigMap", name: "gone-rule", namespace: src }, targets: { namespaces: [a] } },
  });
  await waitForObject("Secret", a, "gone-source");
  await waitForObject("ConfigMap", a, "gone-rule");
  await first.stop();

  await deleteObject("Secret", src, "gone-source");
  await deleteResource(`${clusterDistributions}/${name}`);
  assert.ok(await getObject("Secret", a, "gone-source"), "Ferry is down: the copy is still there");

  await startTestFerry(t);
  await waitForGone("Secret", a, "gone-source");
  await waitForGone("ConfigMap", a, "gone-rule");
});

test("an unmanaged object with the copy's name is never touched under skip; conflict in status and an Event; overwrite when asked", async (t) => {
  await startTestFerry(t);
  const src = await createNamespace(t, "src");
  const a = await createNamespace(t, "a");
  await createSecret(src, "shared", { v: "from-source" });
  const theirs = await createSecret(a, "shared", { v: "their-own-value" });
  const name = uniqueName("cd");
  await createResource(clusterDistributions, {
    apiVersion: "ferry.dev/v1alpha1",
    kind: "ClusterDistribution",
    metadata: { name },
    spec: { source: { kind: "Secret", name: "shared", namespace: src }, targets: { namespaces: [a] } },
  });
  t.after(() => deleteResource(`${clusterDistributions}/${name}`));
  const status = await waitFor(
    async () => {
      const object = await getResource(`${clusterDistributions}/${name}`);
      return readyCondition(object)?.reason === "Conflict" ? object : undefined;
    },
    { timeoutMs: 30_000, description: "Conflict reported" },
  );
  assert.equal((status.status as { conflicts: number }).conflicts, 1);
  await waitFor(async () => (await eventsFor("default", name)).some((e) => e.reason === "UnmanagedObjectExists"), {
    timeoutMs: 30_000,
    description: "UnmanagedObjectExists Event",
  });
  const untouched = await getObject("Secret", a, "shared");
  assert.equal(untouched?.metadata.resourceVersion, theirs.metadata.resourceVersion);
  assert.equal(secretValue(untouched!, "v"), "their-own-value");

  const kube = await adminClient();
  await kube.request("PATCH", `${clusterDistributions}/${name}`, { body: { spec: { conflict: "overwrite" } }, contentType: "application/merge-patch+json" });
  const taken = await waitForObject("Secret", a, "shared", (o) => secretValue(o, "v") === "from-source");
  assert.equal(taken.metadata.labels?.[MANAGED_BY_LABEL], "ferry");
});

test("two rules that want one target: the first keeps it, the second reports a conflict, no flip-flop", async (t) => {
  const ferry = await startTestFerry(t);
  const src = await createNamespace(t, "src");
  const a = await createNamespace(t, "a");
  await createSecret(src, "one", { v: "1" });
  await createSecret(src, "two", { v: "2" });
  const first = uniqueName("first");
  const second = uniqueName("second");
  const spec = (source: string) => ({ source: { kind: "Secret", name: source, namespace: src }, targets: { namespaces: [a] }, copy: { name: "contested" } });
  await createResource(clusterDistributions, { apiVersion: "ferry.dev/v1alpha1", kind: "ClusterDistribution", metadata: { name: first }, spec: spec("one") });
  t.after(() => deleteResource(`${clusterDistributions}/${first}`));
  const owned = await waitForObject("Secret", a, "contested", (o) => secretValue(o, "v") === "1");
  await createResource(clusterDistributions, { apiVersion: "ferry.dev/v1alpha1", kind: "ClusterDistribution", metadata: { name: second }, spec: spec("two") });
  t.after(() => deleteResource(`${clusterDistributions}/${second}`));
  await waitFor(async () => readyCondition(await getResource(`${clusterDistributions}/${second}`))?.reason === "Conflict", {
    timeoutMs: 30_000,
    description: "second rule reports Conflict",
  });
  const writes = await ferry.metrics.writes.get();
  await ferry.engine.idle();
  const after = await getObject("Secret", a, "contested");
  assert.equal(after?.metadata.resourceVersion, owned.metadata.resourceVersion, "the first owner's copy was not rewritten");
  assert.deepEqual((await ferry.metrics.writes.get()).values, writes.values);
});

test("copies drop GitOps tracking metadata, keep the Secret type; immutable sources give immutable copies, replaced when the source changes; token Secrets are refused", async (t) => {
  let ferry = await startTestFerry(t);
  const src = await createNamespace(t, "src");
  const a = await createNamespace(t, "a");
  await createSecret(
    src,
    "tls",
    { "tls.crt": "cert", "tls.key": "key" },
    {
      type: "kubernetes.io/tls",
      labels: { "app.kubernetes.io/instance": "argo-app", "app.kubernetes.io/managed-by": "Helm", "helm.sh/chart": "x-1", keep: "me" },
      annotations: {
        "ferry.dev/sync-to": a,
        "meta.helm.sh/release-name": "r",
        "argocd.argoproj.io/tracking-id": "app:/Secret:x/tls",
        "kubectl.kubernetes.io/last-applied-configuration": "{}",
      },
    },
  );
  const copy = await waitForObject("Secret", a, "tls");
  assert.equal(copy.type, "kubernetes.io/tls");
  assert.equal(copy.metadata.labels?.keep, "me");
  for (const key of ["app.kubernetes.io/instance", "helm.sh/chart"]) assert.equal(copy.metadata.labels?.[key], undefined, key);
  for (const key of ["meta.helm.sh/release-name", "argocd.argoproj.io/tracking-id", "kubectl.kubernetes.io/last-applied-configuration"]) {
    assert.equal(copy.metadata.annotations?.[key], undefined, key);
  }

  await createSecret(src, "frozen", { v: "1" }, { immutable: true, annotations: { "ferry.dev/sync-to": a } });
  const frozen = await waitForObject("Secret", a, "frozen");
  assert.equal(frozen.immutable, true);
  // An immutable source changes only by being deleted and created again. Done while Ferry is down,
  // the old immutable copy is still there when Ferry plans the new content: the copy is replaced
  // (deleted and created: a new uid), since an immutable object cannot be updated.
  await ferry.stop();
  await deleteObject("Secret", src, "frozen");
  await createSecret(src, "frozen", { v: "2" }, { immutable: true, annotations: { "ferry.dev/sync-to": a } });
  assert.equal((await getObject("Secret", a, "frozen"))?.metadata.uid, frozen.metadata.uid, "the old copy is still there");
  ferry = await startTestFerry(t);
  const replaced = await waitForObject("Secret", a, "frozen", (o) => secretValue(o, "v") === "2");
  assert.equal(replaced.immutable, true);
  assert.notEqual(replaced.metadata.uid, frozen.metadata.uid, "replaced, not updated");
  const writes = (await ferry.metrics.writes.get()).values.filter((value) => value.labels.kind === "Secret").map((value) => `${value.labels.verb}=${value.value}`).sort();
  assert.deepEqual(writes, ["create=1", "delete=1"], "one delete and one create, no update");
  // A mutable source made immutable (with new data): the mutable copy is replaced by an immutable one.
  await createSecret(src, "freezing", { v: "1" }, { annotations: { "ferry.dev/sync-to": a } });
  const mutable = await waitForObject("Secret", a, "freezing");
  assert.equal(mutable.immutable, undefined);
  await patchObject("Secret", src, "freezing", { immutable: true, data: { v: b64("2") } });
  const frozenNow = await waitForObject("Secret", a, "freezing", (o) => secretValue(o, "v") === "2");
  assert.equal(frozenNow.immutable, true);
  assert.notEqual(frozenNow.metadata.uid, mutable.metadata.uid, "replaced, not updated");

  const kube = await adminClient();
  await kube.request("POST", `/api/v1/namespaces/${src}/serviceaccounts`, { body: { metadata: { name: "robot" } } });
  await createSecret(src, "robot-token", {}, { type: "kubernetes.io/service-account-token", annotations: { "kubernetes.io/service-account.name": "robot", "ferry.dev/sync-to": a } });
  await waitFor(async () => (await eventsFor(src, "robot-token")).some((e) => e.reason === "UnsupportedSecretType"), {
    timeoutMs: 30_000,
    description: "UnsupportedSecretType Event",
  });
  assert.equal(await getObject("Secret", a, "robot-token"), undefined);
});

test("protected namespaces get copies only from a ClusterDistribution that names them; namespaces get no finalizers", async (t) => {
  await startTestFerry(t);
  const src = await createNamespace(t, "src");
  const name = uniqueName("everywhere");
  await createSecret(src, name, { v: "1" }, { annotations: { "ferry.dev/sync-to": "*" } });
  const other = await createNamespace(t, "other");
  await waitForObject("Secret", other, name);
  for (const ns of ["kube-system", "kube-public", "kube-node-lease", "ferry-system"]) assert.equal(await getObject("Secret", ns, name), undefined, ns);
  const ns = await (await adminClient()).get<{ spec?: { finalizers?: string[] }; metadata: { finalizers?: string[] } }>(`/api/v1/namespaces/${other}`);
  assert.deepEqual(ns.metadata.finalizers ?? [], []);
  assert.deepEqual(ns.spec?.finalizers ?? [], ["kubernetes"]);

  const cd = uniqueName("cd");
  await createResource(clusterDistributions, {
    apiVersion: "ferry.dev/v1alpha1",
    kind: "ClusterDistribution",
    metadata: { name: cd },
    spec: { source: { kind: "Secret", name, namespace: src }, targets: { namespaces: ["kube-public"] }, copy: { name: `${name}-admin` } },
  });
  await waitForObject("Secret", "kube-public", `${name}-admin`);
  await deleteResource(`${clusterDistributions}/${cd}`);
  await waitForGone("Secret", "kube-public", `${name}-admin`);
  await deleteObject("Secret", src, name);
  await waitForGone("Secret", other, name);
});

test("an idle cluster and a restart while in sync cost zero writes, Events included, with conflicts present", async (t) => {
  const first = await startTestFerry(t);
  const src = await createNamespace(t, "src");
  const targets = [await createNamespace(t, "a"), await createNamespace(t, "b"), await createNamespace(t, "c")];
  // Two more targets hold unmanaged objects of the copy's name: conflicts, reported by Events.
  const taken = [await createNamespace(t, "d"), await createNamespace(t, "e")];
  for (const ns of taken) await createSecret(ns, "steady", { v: "their-own-value" });
  await createSecret(src, "steady", { v: "1" }, { annotations: { "ferry.dev/sync-to": [...targets, ...taken].join(",") } });
  for (const ns of targets) await waitForObject("Secret", ns, "steady");
  await waitFor(
    async () => {
      const events = (await eventsFor(src, "steady")).filter((e) => e.reason === "UnmanagedObjectExists");
      return taken.every((ns) => events.some((e) => e.message.includes(`${ns}/steady`)));
    },
    { timeoutMs: 30_000, description: "UnmanagedObjectExists Events naming both taken targets" },
  );
  await first.engine.idle();
  await eventsSettled(t);
  const copies = await Promise.all(targets.map((ns) => getObject("Secret", ns, "steady")));
  const events = await eventWrites(src, "steady", "UnmanagedObjectExists");

  // Idle: a relist of every namespace and the full pass after it write nothing, Events included.
  const copyWrites = async (ferry: RunningFerry) => (await ferry.metrics.writes.get()).values.reduce((sum, v) => sum + v.value, 0);
  const idleWrites = await copyWrites(first);
  let idlePasses = 0;
  first.engine.onPlanned = () => idlePasses++;
  first.engine.namespaces.requestRelist();
  await waitFor(() => idlePasses >= 1, { timeoutMs: 30_000, description: "a plan pass after the relist" });
  await first.engine.idle();
  await eventsSettled(t);
  assert.equal(await copyWrites(first), idleWrites, "no copy writes while idle");
  assert.deepEqual(await eventWrites(src, "steady", "UnmanagedObjectExists"), events, "no Event writes while idle");
  await first.stop();

  const second = await startTestFerry(t);
  // Force a full relist of every watch and wait for the plan passes that follow it.
  let passes = 0;
  second.engine.onPlanned = () => passes++;
  second.engine.namespaces.requestRelist();
  await waitFor(() => passes >= 2, { timeoutMs: 30_000, description: "plan passes after relist" });
  await second.engine.idle();
  await eventsSettled(t);
  assert.equal(await copyWrites(second), 0, "no writes after a restart while in sync");
  const after = await Promise.all(targets.map((ns) => getObject("Secret", ns, "steady")));
  assert.deepEqual(after.map((o) => o?.metadata.resourceVersion), copies.map((o) => o?.metadata.resourceVersion));
  assert.ok(after.every((o) => o?.metadata.labels?.[RULE_LABEL]));
  assert.deepEqual(await eventWrites(src, "steady", "UnmanagedObjectExists"), events, "no Event writes after a restart: the standing Events already say it");
});

test("bad input never costs copies: an invalid edit holds the copies (neither updated nor pruned) and says why in Events", async (t) => {
  await startTestFerry(t);
  const src = await createNamespace(t, "src");
  const env = uniqueName("env");
  const a = await createNamespace(t, "a", { env });
  await createSecret(src, "kept", { v: "1" }, { annotations: { "ferry.dev/sync-to-selector": `env=${env}` } });
  const copy = await waitForObject("Secret", a, "kept");
  await patchObject("Secret", src, "kept", { metadata: { annotations: { "ferry.dev/sync-to-selector": "env in (unclosed" } } });
  await waitFor(async () => (await eventsFor(src, "kept")).some((e) => e.reason === "InvalidSelector"), { timeoutMs: 30_000, description: "InvalidSelector Event" });
  await waitFor(async () => (await eventsFor(src, "kept")).some((e) => e.reason === "CopiesHeld" && /^1 copy /.test(e.message)), { timeoutMs: 30_000, description: "CopiesHeld Event" });
  const after = await getObject("Secret", a, "kept");
  assert.equal(after?.metadata.resourceVersion, copy.metadata.resourceVersion, "the copy was neither deleted nor rewritten");
  await deleteObject("Secret", src, "kept");
  await waitForGone("Secret", a, "kept");
});

test("a source that cannot be read is retried with backoff until it can (no copy lost, none invented)", async (t) => {
  // Ferry may list and watch Secrets but not get one: the source read fails (403) until the
  // permission is granted; the read must be retried, not given up.
  const kube = await adminClient();
  const rbac = "/apis/rbac.authorization.k8s.io/v1";
  const name = uniqueName("no-get");
  const rules = expectedRbacRules().cluster.map((rule) =>
    rule.resources.includes("secrets") && rule.verbs.includes("get") ? { ...rule, verbs: rule.verbs.filter((verb) => verb !== "get") } : rule,
  );
  await kube.request("POST", `${rbac}/clusterroles`, { body: { metadata: { name }, rules } });
  t.after(() => kube.request("DELETE", `${rbac}/clusterroles/${name}`).catch(() => undefined));
  await kube.request("POST", "/api/v1/namespaces/ferry-system/serviceaccounts", { body: { metadata: { name } } });
  t.after(() => kube.request("DELETE", `/api/v1/namespaces/ferry-system/serviceaccounts/${name}`).catch(() => undefined));
  await kube.request("POST", `${rbac}/clusterrolebindings`, {
    body: { metadata: { name }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name }, subjects: [{ kind: "ServiceAccount", name, namespace: "ferry-system" }] },
  });
  t.after(() => kube.request("DELETE", `${rbac}/clusterrolebindings/${name}`).catch(() => undefined));
  const token = await kube.request<{ status: { token: string } }>("POST", `/api/v1/namespaces/ferry-system/serviceaccounts/${name}/token`, {
    body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: 3600 } },
  });
  const client = await tokenClient(kube, token.status.token);
  t.after(() => client.close());
  await waitFor(async () => (await client.get("/api/v1/secrets", { query: { limit: 1 } })) !== undefined, { timeoutMs: 10_000, description: "RBAC in effect" });
  const ferry = await startTestFerry(t, { client, installCrds: false, registry: false });
  const src = await createNamespace(t, "src");
  const a = await createNamespace(t, "a");
  await createSecret(src, "guarded", { v: "1" }, { annotations: { "ferry.dev/sync-to": a } });
  await waitFor(() => ferry.engine.reports().reports.some((r) => r.rule.source.name === "guarded" && r.problem?.reason === "SourcePending"), {
    timeoutMs: 30_000,
    description: "the unreadable source held as pending",
  });
  assert.equal(await getObject("Secret", a, "guarded"), undefined);
  await kube.request("PUT", `${rbac}/clusterroles/${name}`, { body: { metadata: { name }, rules: expectedRbacRules().cluster } });
  await waitForObject("Secret", a, "guarded", () => true, 60_000);
});

test("a source recreated with another Secret type gets its copies replaced (type is immutable)", async (t) => {
  const first = await startTestFerry(t);
  const src = await createNamespace(t, "src");
  const a = await createNamespace(t, "a");
  await createSecret(src, "typed", { username: "u1", password: "p1" }, { annotations: { "ferry.dev/sync-to": a } });
  const before = await waitForObject("Secret", a, "typed");
  assert.equal(before.type, "Opaque");
  // Recreated while Ferry is down, so the old copy is still there and must be updated to the new type.
  await first.stop();
  await deleteObject("Secret", src, "typed");
  await createSecret(src, "typed", { username: "u2", password: "p2" }, { type: "kubernetes.io/basic-auth", annotations: { "ferry.dev/sync-to": a } });
  await startTestFerry(t);
  const after = await waitForObject("Secret", a, "typed", (o) => o.type === "kubernetes.io/basic-auth" && secretValue(o, "username") === "u2");
  assert.notEqual(after.metadata.uid, before.metadata.uid, "replaced, not updated");
});

test("a problem that goes away and comes back is reported again", async (t) => {
  await startTestFerry(t);
  const src = await createNamespace(t, "src");
  const a = await createNamespace(t, "a");
  const name = uniqueName("flapping");
  await createResource(clusterDistributions, {
    apiVersion: "ferry.dev/v1alpha1",
    kind: "ClusterDistribution",
    metadata: { name },
    spec: { source: { kind: "Secret", name: "comes-and-goes", namespace: src }, targets: { namespaces: [a] } },
  });
  t.after(() => deleteResource(`${clusterDistributions}/${name}`));
  const sourceNotFound = async () => (await eventsFor("default", name)).filter((e) => e.reason === "SourceNotFound").length;
  await waitFor(async () => (await sourceNotFound()) === 1, { timeoutMs: 30_000, description: "first SourceNotFound Event" });
  await createSecret(src, "comes-and-goes", { v: "1" });
  await waitForObject("Secret", a, "comes-and-goes");
  await deleteObject("Secret", src, "comes-and-goes");
  await waitForGone("Secret", a, "comes-and-goes");
  await waitFor(async () => (await sourceNotFound()) === 2, { timeoutMs: 30_000, description: "second SourceNotFound Event" });
});

test("objects no rule reads or could write, and Ferry's own writes, cost no plan pass; a new namespace and a source update are planned on their own", async (t) => {
  const ferry = await startTestFerry(t);
  const src = await createNamespace(t, "quiet-src");
  const prefix = uniqueName("quiet");
  const first = await createNamespace(t, prefix);
  await createSecret(src, "pulled", { v: "1" }, { annotations: { "ferry.dev/sync-to": `${prefix}-*` } });
  await waitForObject("Secret", first, "pulled");
  await ferry.engine.idle();
  const synced = () => ferry.engine.reports().reports.find((r) => r.rule.source.namespace === src)?.synced;
  await waitFor(() => synced() === 1, { timeoutMs: 20_000, description: "status reports the copy" });

  let passes = 0;
  ferry.engine.onPlanned = () => passes++;
  // Unrelated objects: names no rule gives a copy, no trigger keys, not a source.
  const admin = await adminClient();
  for (let i = 0; i < 20; i++) {
    await createSecret(first, `unrelated-${i}`, { v: String(i) });
    await admin.request("POST", `/api/v1/namespaces/${src}/configmaps`, { body: { metadata: { name: `unrelated-${i}` }, data: { v: String(i) } } });
  }
  await waitFor(() => ferry.engine.observedObject("ConfigMap", src, "unrelated-19") !== undefined, { timeoutMs: 20_000, description: "Ferry saw the last one" });
  assert.equal(passes, 0, "unrelated objects triggered plan passes");

  // A new namespace: its copy arrives, and the status catches up from that namespace's own pass
  // (the reports are kept by namespace), with no full pass over every rule and namespace.
  const fullPasses = async () => (await ferry.metrics.reconciles.get()).values.filter((v) => v.labels.controller === "distribution").reduce((sum, v) => sum + v.value, 0);
  // Other tests' leftovers (sources deleted with their namespaces change the rule set) ask for
  // full passes: start once no namespace is being deleted and no full pass ran for two seconds.
  let seen = await fullPasses();
  let quietSince = Date.now();
  await waitFor(
    async () => {
      const now = await fullPasses();
      const terminating = (await admin.get<{ items: Array<{ status?: { phase?: string } }> }>("/api/v1/namespaces")).items.some((ns) => ns.status?.phase === "Terminating");
      if (now !== seen || terminating) [seen, quietSince] = [now, Date.now()];
      return Date.now() - quietSince > 2_000;
    },
    { timeoutMs: 120_000, intervalMs: 200, description: "no namespace terminating and two seconds without a full pass" },
  );
  const second = await createNamespace(t, `${prefix}-b`);
  await waitForObject("Secret", second, "pulled");
  await waitFor(() => synced() === 2, { timeoutMs: 20_000, description: "status reports both copies" });
  assert.equal(await fullPasses(), seen, "a full pass ran for a namespace event or the landing of its copy");

  // A source's new content: its copies are planned on their own (the copies of its rule's name), no full pass.
  await patchObject("Secret", src, "pulled", { data: { v: Buffer.from("2").toString("base64") } });
  for (const ns of [first, second]) await waitForObject("Secret", ns, "pulled", (o) => secretValue(o, "v") === "2");
  await ferry.engine.idle();
  await waitFor(() => synced() === 2, { timeoutMs: 20_000, description: "status reports both copies updated" });
  assert.equal(await fullPasses(), seen, "a full pass ran for a source's update");
});
