// OpenKruise Resource Distribution (seeds/openkruise-resource-distribution.md) on the real
// control plane: the proposal's annotations (Story 1 and 2, and its "lost delete event" risk),
// then the ResourceDistribution custom resource (apps.kruise.io/v1alpha1) with its status.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CONTENT_HASH_ANNOTATION, MANAGED_BY_LABEL } from "../../../src/core/marks.js";
import { isApiError } from "../../../src/kube/client.js";
import type { KubeObject } from "../../../src/kube/informer.js";
import { waitFor } from "../../../src/util/wait-for.js";
import { adminClient, createNamespace, uniqueName } from "../../support/cluster.js";
import {
  createConfigMap,
  createResource,
  createSecret,
  deleteObject,
  deleteResource,
  getObject,
  getResource,
  patchObject,
  secretValue,
  startTestFerry,
  waitForGone,
  waitForObject,
} from "../../support/ferry.js";
import {
  activeNamespaces,
  applyManifest,
  conditionOf,
  copiesOfRule,
  copiesOfSource,
  ensureNamespaces,
  ensureNamespacesAbsent,
  labelNamespace,
  namespacesWith,
  waitForEvent,
  waitForNoCopies,
} from "../../support/manifests.js";
import { KRUISE_STORY_1, KRUISE_STORY_2 } from "../../support/seed-documents.js";

// The seed's two user stories, verbatim (both are `kubectl apply -f my-secret.yaml` without a
// namespace, so they land in `default`).
const STORY_1 = KRUISE_STORY_1;

const STORY_2 = KRUISE_STORY_2;

const PROTECTED = ["kube-system", "kube-public", "kube-node-lease", "ferry-system"];
const resourceDistributions = "/apis/apps.kruise.io/v1alpha1/resourcedistributions";
const SYNC_TO = "openkruise.io/sync-to";
/** The valid spelling of the seed's list key (the seed's `openkruise.io/sync-to/namespaces` is rejected by the API server). */
const SYNC_TO_NAMESPACES = "openkruise.io/sync-to-namespaces";

function assertSeedCopy(copy: KubeObject): void {
  assert.equal(copy.type, "generic", "the Secret type is kept");
  assert.equal(secretValue(copy, "username"), "admin");
  assert.equal(secretValue(copy, "password"), "t0p-Secret");
  assert.equal(copy.metadata.labels?.[MANAGED_BY_LABEL], "ferry");
  assert.ok(copy.metadata.annotations?.[CONTENT_HASH_ANNOTATION]);
  assert.equal(copy.metadata.annotations?.[SYNC_TO], undefined, "a copy never looks like a source");
  assert.equal(copy.metadata.annotations?.[SYNC_TO_NAMESPACES], undefined);
  assert.equal(copy.metadata.annotations?.["openkruise.io/sync-to/namespaces"], undefined);
}

test("seed: Story 1 (list key respelled: the API server rejects the seed's) copies into ns-1, ns-2, ns-3; Story 2 into every namespace but kube-system/kube-public; deleting the originals deletes all copies", async (t) => {
  await startTestFerry(t);
  await ensureNamespaces(t, ["ns-1", "ns-2", "ns-3"]);

  // Story 1 as written cannot be applied: an annotation key is [prefix/]name, and
  // "sync-to/namespaces" is not a valid name. Nothing is created.
  await assert.rejects(applyManifest(STORY_1, { t }), (error: unknown) => {
    assert.ok(isApiError(error, 422), String(error));
    assert.match((error as Error).message, /metadata\.annotations: Invalid value: "openkruise\.io\/sync-to\/namespaces"/);
    return true;
  });
  assert.equal(await getObject("Secret", "default", "namespaced-secret"), undefined);

  // The only change Ferry needs: the list under the valid key openkruise.io/sync-to-namespaces.
  const story1 = await applyManifest(STORY_1.replace("openkruise.io/sync-to/namespaces:", `${SYNC_TO_NAMESPACES}:`), { t });
  const source = story1.objects[0]!;
  assert.equal(source.namespace, "default");
  assert.equal(source.object.type, "generic", "the API server accepts the seed's `type: generic`");
  for (const ns of ["ns-1", "ns-2", "ns-3"]) assertSeedCopy(await waitForObject("Secret", ns, "namespaced-secret"));
  assert.deepEqual(await namespacesWith("Secret", copiesOfSource("default", "namespaced-secret")), ["ns-1", "ns-2", "ns-3"]);

  const story2 = await applyManifest(STORY_2, { t });
  const everywhere = copiesOfSource("default", "cluseter-level-secret");
  const expected = async () => (await activeNamespaces()).filter((ns) => ns !== "default" && !PROTECTED.includes(ns));
  await waitFor(
    async () => {
      const have = new Set(await namespacesWith("Secret", everywhere));
      return (await expected()).every((ns) => have.has(ns));
    },
    { timeoutMs: 30_000, description: "a copy of cluseter-level-secret in every namespace" },
  );
  for (const ns of PROTECTED) assert.equal(await getObject("Secret", ns, "cluseter-level-secret"), undefined, `${ns} gets no copy`);
  assertSeedCopy(await waitForObject("Secret", "ns-2", "cluseter-level-secret"));

  // "All namespaces" includes namespaces created afterwards.
  const late = await createNamespace(t, "late");
  assertSeedCopy(await waitForObject("Secret", late, "cluseter-level-secret"));

  // The proposal's Solution #2: deleting the original deletes every copy.
  await story1.delete();
  await story2.delete();
  await waitForNoCopies("Secret", copiesOfSource("default", "namespaced-secret"));
  await waitForNoCopies("Secret", everywhere);
});

test("editing sync-to/namespaces adds and prunes; an emptied list or removed annotations remove the copies (ConfigMap too)", async (t) => {
  await startTestFerry(t);
  const src = await createNamespace(t, "src");
  const [a, b, c] = [await createNamespace(t, "a"), await createNamespace(t, "b"), await createNamespace(t, "c")];
  await createConfigMap(src, "app-config", { mode: "blue" }, { annotations: { [SYNC_TO]: "namespaces", [SYNC_TO_NAMESPACES]: `${a};${b}` } });
  const selector = copiesOfSource(src, "app-config");
  await waitFor(async () => (await namespacesWith("ConfigMap", selector)).join() === [a, b].sort().join() || undefined, { timeoutMs: 30_000, description: "copies in a and b" });

  await patchObject("ConfigMap", src, "app-config", { metadata: { annotations: { [SYNC_TO_NAMESPACES]: ` ${b} ; ${c} ;` } } });
  await waitForObject("ConfigMap", c, "app-config", (o) => (o.data as Record<string, string>).mode === "blue");
  await waitForGone("ConfigMap", a, "app-config");
  assert.ok(await getObject("ConfigMap", b, "app-config"));

  await patchObject("ConfigMap", src, "app-config", { data: { mode: "green" } });
  for (const ns of [b, c]) await waitForObject("ConfigMap", ns, "app-config", (o) => (o.data as Record<string, string>).mode === "green");

  await patchObject("ConfigMap", src, "app-config", { metadata: { annotations: { [SYNC_TO_NAMESPACES]: "" } } });
  await waitForNoCopies("ConfigMap", selector);
  await waitForEvent(src, "app-config", "InvalidAnnotation", /lists no namespace/);

  await patchObject("ConfigMap", src, "app-config", { metadata: { annotations: { [SYNC_TO_NAMESPACES]: a } } });
  await waitForObject("ConfigMap", a, "app-config");
  await patchObject("ConfigMap", src, "app-config", { metadata: { annotations: { [SYNC_TO]: null, [SYNC_TO_NAMESPACES]: null } } });
  await waitForNoCopies("ConfigMap", selector);
  assert.ok(await getObject("ConfigMap", src, "app-config"), "the source itself is never touched");
});

test("the proposal's risk: the original deleted while Ferry is down still loses its copies (found by label at start)", async (t) => {
  const first = await startTestFerry(t);
  const src = await createNamespace(t, "src");
  const a = await createNamespace(t, "a");
  const b = await createNamespace(t, "b");
  await createSecret(src, "creds", { token: "x" }, { annotations: { [SYNC_TO]: "namespaces", [SYNC_TO_NAMESPACES]: `${a};${b}` } });
  await createSecret(src, "wide", { token: "y" }, { annotations: { [SYNC_TO]: "cluster" } });
  await waitForObject("Secret", a, "creds");
  await waitForObject("Secret", b, "creds");
  await waitForObject("Secret", a, "wide");
  await first.stop();

  await deleteObject("Secret", src, "creds");
  await deleteObject("Secret", src, "wide");
  assert.ok(await getObject("Secret", a, "creds"), "Ferry is down: the copy is still there");

  await startTestFerry(t);
  await waitForNoCopies("Secret", copiesOfSource(src, "creds"));
  await waitForNoCopies("Secret", copiesOfSource(src, "wide"));
});

test("an existing object of the same name in a target is not updated (unlike the proposal): conflict Event, left untouched", async (t) => {
  await startTestFerry(t);
  const src = await createNamespace(t, "src");
  const a = await createNamespace(t, "a");
  const b = await createNamespace(t, "b");
  const theirs = await createSecret(b, "shared", { owner: "team-b" });
  await createSecret(src, "shared", { owner: "platform" }, { annotations: { [SYNC_TO]: "namespaces", [SYNC_TO_NAMESPACES]: `${a};${b}` } });
  await waitForObject("Secret", a, "shared", (o) => secretValue(o, "owner") === "platform");
  await waitForEvent(src, "shared", "UnmanagedObjectExists", new RegExp(`${b}/shared`));
  const after = await getObject("Secret", b, "shared");
  assert.equal(after?.metadata.resourceVersion, theirs.metadata.resourceVersion);
  assert.equal(secretValue(after!, "owner"), "team-b");

  await deleteObject("Secret", src, "shared");
  await waitForGone("Secret", a, "shared");
  assert.equal(secretValue((await getObject("Secret", b, "shared"))!, "owner"), "team-b", "cleanup never deletes what Ferry did not write");
});

test("bad annotations: unknown sync-to mode, list without sync-to, invalid names in the list -> Events; valid items still apply; nothing else written", async (t) => {
  const ferry = await startTestFerry(t);
  const src = await createNamespace(t, "src");
  const a = await createNamespace(t, "a");
  await createSecret(src, "mode", { v: "1" }, { annotations: { [SYNC_TO]: "everywhere", [SYNC_TO_NAMESPACES]: a } });
  await createSecret(src, "orphan-list", { v: "1" }, { annotations: { [SYNC_TO_NAMESPACES]: a } });
  await createSecret(src, "mixed", { v: "1" }, { annotations: { [SYNC_TO]: "namespaces", [SYNC_TO_NAMESPACES]: `${a};;Not_A_Namespace;${a}` } });

  const mode = await waitForEvent(src, "mode", "InvalidAnnotation");
  assert.match(mode.message, /must be "namespaces" or "cluster", not "everywhere"/);
  const orphan = await waitForEvent(src, "orphan-list", "InvalidAnnotation");
  assert.match(orphan.message, /openkruise\.io\/sync-to is missing/);
  const mixed = await waitForEvent(src, "mixed", "InvalidNamespaceName");
  assert.match(mixed.message, /"Not_A_Namespace"/);
  await waitForObject("Secret", a, "mixed");

  await ferry.engine.idle();
  assert.equal(await getObject("Secret", a, "mode"), undefined);
  assert.equal(await getObject("Secret", a, "orphan-list"), undefined);
  assert.deepEqual(await namespacesWith("Secret", copiesOfSource(src, "mixed")), [a]);
  assert.ok(ferry.engine.isReady(), "no crash");
});

test("ResourceDistribution: inline ConfigMap to included + label-selected minus excluded namespaces; status counts and ConflictOccurred name the namespaces; edits and deletion follow", async (t) => {
  await startTestFerry(t);
  const group = uniqueName("group");
  const a = await createNamespace(t, "a");
  const b = await createNamespace(t, "b", { group });
  const c = await createNamespace(t, "c", { group });
  const d = await createNamespace(t, "d");
  const theirs = await createConfigMap(d, "game-demo", { owner: "someone-else" });
  const name = uniqueName("game-config");
  const path = `${resourceDistributions}/${name}`;
  await createResource(resourceDistributions, {
    apiVersion: "apps.kruise.io/v1alpha1",
    kind: "ResourceDistribution",
    metadata: { name },
    spec: {
      resource: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "game-demo", labels: { app: "game" } }, data: { player_initial_lives: "3" } },
      targets: {
        includedNamespaces: { list: [{ name: a }, { name: d }] },
        namespaceLabelSelector: { matchLabels: { group } },
        excludedNamespaces: { list: [{ name: c }] },
      },
    },
  });
  t.after(() => deleteResource(path));
  for (const ns of [a, b]) {
    const copy = await waitForObject("ConfigMap", ns, "game-demo");
    assert.equal((copy.data as Record<string, string>).player_initial_lives, "3");
    assert.equal(copy.metadata.labels?.app, "game");
  }
  const status = await waitFor(
    async () => {
      const object = await getResource(path);
      return (object?.status as { succeeded?: number } | undefined)?.succeeded === 2 && conditionOf(object, "ConflictOccurred")?.status === "True" ? object : undefined;
    },
    { timeoutMs: 30_000, description: "ResourceDistribution status" },
  );
  const counts = status.status as { desired: number; succeeded: number; failed: number; observedGeneration: number };
  assert.deepEqual({ desired: counts.desired, succeeded: counts.succeeded, failed: counts.failed }, { desired: 3, succeeded: 2, failed: 1 });
  assert.equal(counts.observedGeneration, status.metadata.generation);
  const types = ((status.status as { conditions: Array<{ type: string }> }).conditions ?? []).map((condition) => condition.type);
  assert.deepEqual(types, ["GetResourceFailed", "CreateResourceFailed", "UpdateResourceFailed", "DeleteResourceFailed", "ConflictOccurred", "NamespaceNotExists"]);
  const conflict = conditionOf(status, "ConflictOccurred")!;
  assert.deepEqual([conflict.reason, conflict.failedNamespace], ["UnmanagedObjectExists", [d]]);
  for (const type of ["GetResourceFailed", "CreateResourceFailed", "UpdateResourceFailed", "DeleteResourceFailed", "NamespaceNotExists"]) {
    assert.deepEqual([conditionOf(status, type)?.status, conditionOf(status, type)?.reason], ["False", "Succeeded"], type);
  }
  assert.equal(await getObject("ConfigMap", c, "game-demo"), undefined, "excluded");
  assert.equal((await getObject("ConfigMap", d, "game-demo"))?.metadata.resourceVersion, theirs.metadata.resourceVersion, "the unmanaged object is untouched");
  await waitForEvent("default", name, "UnmanagedObjectExists", new RegExp(`${d}/game-demo`));

  // A namespace leaves the selector; a new one joins it.
  await labelNamespace(b, { group: null });
  await waitForGone("ConfigMap", b, "game-demo");
  const late = await createNamespace(t, "late", { group });
  await waitForObject("ConfigMap", late, "game-demo");

  // Editing the inline resource updates the copies.
  const kube = await adminClient();
  await kube.request("PATCH", path, { body: { spec: { resource: { data: { player_initial_lives: "5" } } } }, contentType: "application/merge-patch+json" });
  for (const ns of [a, late]) await waitForObject("ConfigMap", ns, "game-demo", (o) => (o.data as Record<string, string>).player_initial_lives === "5");
  await waitFor(async () => ((await getResource(path))?.status as { observedGeneration?: number } | undefined)?.observedGeneration === 2 || undefined, {
    timeoutMs: 30_000,
    description: "observedGeneration 2",
  });

  await deleteResource(path);
  await waitForNoCopies("ConfigMap", copiesOfRule(`kruise-rd/ResourceDistribution/${name}`));
  assert.ok(await getObject("ConfigMap", d, "game-demo"), "the unmanaged object survives the cleanup");
});

test("ResourceDistribution: a missing included namespace is NamespaceNotExists (failedNamespace names it) until it is created", async (t) => {
  await startTestFerry(t);
  const a = await createNamespace(t, "a");
  const missing = uniqueName("missing");
  const name = uniqueName("rd");
  const path = `${resourceDistributions}/${name}`;
  await createResource(resourceDistributions, {
    apiVersion: "apps.kruise.io/v1alpha1",
    kind: "ResourceDistribution",
    metadata: { name },
    spec: { resource: { apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { k: "v" } }, targets: { includedNamespaces: { list: [{ name: a }, { name: missing }] } } },
  });
  t.after(() => deleteResource(path));
  await waitForObject("ConfigMap", a, name);
  const status = await waitFor(async () => {
    const object = await getResource(path);
    // The status of the pass that wrote the copy in `a`: NamespaceNotExists and one success.
    const succeeded = (object?.status as { succeeded?: number } | undefined)?.succeeded;
    return conditionOf(object, "NamespaceNotExists")?.status === "True" && succeeded === 1 ? object : undefined;
  }, { timeoutMs: 30_000, description: "NamespaceNotExists with one namespace succeeded" });
  assert.deepEqual(conditionOf(status, "NamespaceNotExists")?.failedNamespace, [missing]);
  assert.deepEqual((status.status as { desired: number; succeeded: number }).succeeded, 1);

  await ensureNamespaces(t, [missing]);
  await waitForObject("ConfigMap", missing, name);
  await waitFor(async () => conditionOf(await getResource(path), "NamespaceNotExists")?.status === "False" || undefined, { timeoutMs: 30_000, description: "NamespaceNotExists cleared" });
  await deleteResource(path);
  await waitForNoCopies("ConfigMap", copiesOfRule(`kruise-rd/ResourceDistribution/${name}`));
});

// The example of docs/dialects.md, verbatim: a named namespace and a label selector together.
const GAME_CONFIG = `apiVersion: apps.kruise.io/v1alpha1
kind: ResourceDistribution
metadata:
  name: game-config
spec:
  resource:
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: game-demo
    data:
      player_initial_lives: "3"
  targets:
    includedNamespaces:
      list:
      - name: ns-1
    namespaceLabelSelector:
      matchLabels:
        group: test
    excludedNamespaces:
      list:
      - name: ns-3
`;

test("docs example game-config: ns-2 (group=test) gets game-demo, ns-3 is excluded, the missing ns-1 is NamespaceNotExists until created", async (t) => {
  await startTestFerry(t);
  await ensureNamespacesAbsent(["ns-1"]); // the example's ns-1 must be missing, whatever ran before
  await ensureNamespaces(t, ["ns-2", "ns-3"], { group: "test" });
  await labelNamespace("ns-2", { group: "test" });
  await labelNamespace("ns-3", { group: "test" });
  const applied = await applyManifest(GAME_CONFIG, { t });
  const path = applied.objects[0]!.path;
  const copy = await waitForObject("ConfigMap", "ns-2", "game-demo");
  assert.equal((copy.data as Record<string, string>).player_initial_lives, "3");
  assert.equal(await getObject("ConfigMap", "ns-3", "game-demo"), undefined);
  const notExists = await waitFor(
    async () => {
      const condition = conditionOf(await getResource(path), "NamespaceNotExists");
      return condition?.status === "True" ? condition : undefined;
    },
    { timeoutMs: 10_000, description: "NamespaceNotExists naming ns-1 (included by name, next to a label selector)" },
  );
  assert.deepEqual(notExists.failedNamespace, ["ns-1"]);

  await ensureNamespaces(t, ["ns-1"]);
  await waitForObject("ConfigMap", "ns-1", "game-demo");
  await applied.delete();
  await waitForNoCopies("ConfigMap", copiesOfRule("kruise-rd/ResourceDistribution/game-config"));
});

test("ResourceDistribution: allNamespaces with an inline Secret (stringData, type) reaches every namespace but kube-system/kube-public", async (t) => {
  await startTestFerry(t);
  const fresh = await createNamespace(t, "fresh");
  const name = uniqueName("everywhere");
  const path = `${resourceDistributions}/${name}`;
  const secretName = uniqueName("pull-secret");
  await createResource(resourceDistributions, {
    apiVersion: "apps.kruise.io/v1alpha1",
    kind: "ResourceDistribution",
    metadata: { name },
    spec: {
      resource: { apiVersion: "v1", kind: "Secret", metadata: { name: secretName }, type: "kubernetes.io/basic-auth", stringData: { username: "admin", password: "t0p-Secret" } },
      targets: { allNamespaces: true },
    },
  });
  t.after(() => deleteResource(path));
  const copy = await waitForObject("Secret", fresh, secretName);
  assert.equal(copy.type, "kubernetes.io/basic-auth");
  assert.equal(secretValue(copy, "password"), "t0p-Secret");
  const selector = copiesOfRule(`kruise-rd/ResourceDistribution/${name}`);
  await waitFor(
    async () => {
      const have = new Set(await namespacesWith("Secret", selector));
      return (await activeNamespaces()).filter((ns) => !PROTECTED.includes(ns)).every((ns) => have.has(ns));
    },
    { timeoutMs: 30_000, description: "a copy in every namespace" },
  );
  for (const ns of PROTECTED) assert.equal(await getObject("Secret", ns, secretName), undefined, ns);
  await waitFor(async () => conditionOf(await getResource(path), "ConflictOccurred")?.reason === "Succeeded" || undefined, { timeoutMs: 30_000, description: "status" });
  const status = (await getResource(path))!.status as { desired: number; succeeded: number; failed: number };
  assert.equal(status.failed, 0);
  assert.equal(status.succeeded, status.desired);

  await deleteResource(path);
  await waitForNoCopies("Secret", selector);
});

test("ResourceDistribution bad input: unknown kind, invalid selector and names -> SpecInvalid condition and Events in default; nothing written; no crash", async (t) => {
  const ferry = await startTestFerry(t);
  const a = await createNamespace(t, "a");
  const kind = uniqueName("bad-kind");
  await createResource(resourceDistributions, {
    apiVersion: "apps.kruise.io/v1alpha1",
    kind: "ResourceDistribution",
    metadata: { name: kind },
    spec: { resource: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" } }, targets: { includedNamespaces: { list: [{ name: a }] } } },
  });
  t.after(() => deleteResource(`${resourceDistributions}/${kind}`));
  const selector = uniqueName("bad-selector");
  await createResource(resourceDistributions, {
    apiVersion: "apps.kruise.io/v1alpha1",
    kind: "ResourceDistribution",
    metadata: { name: selector },
    spec: {
      resource: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: selector }, data: { k: "v" } },
      targets: { includedNamespaces: { list: [{ name: a }, { name: "Bad_Name" }] }, namespaceLabelSelector: { matchExpressions: [{ key: "x", operator: "Sometimes" }] } },
    },
  });
  t.after(() => deleteResource(`${resourceDistributions}/${selector}`));
  const missing = uniqueName("no-resource");
  await createResource(resourceDistributions, { apiVersion: "apps.kruise.io/v1alpha1", kind: "ResourceDistribution", metadata: { name: missing }, spec: { targets: { allNamespaces: true } } });
  t.after(() => deleteResource(`${resourceDistributions}/${missing}`));

  await waitForEvent("default", kind, "InvalidResource", /spec\.resource\.kind must be Secret or ConfigMap/);
  await waitForEvent("default", kind, "InvalidResource", /spec\.resource\.apiVersion must be "v1"/);
  const spec = await waitFor(async () => conditionOf(await getResource(`${resourceDistributions}/${kind}`), "SpecInvalid"), { timeoutMs: 30_000, description: "SpecInvalid" });
  assert.equal(spec.status, "True");
  await waitForEvent("default", missing, "InvalidResource", /spec\.resource must be a complete Secret or ConfigMap/);

  // The invalid selector and name are reported; the valid included namespace still gets its copy.
  await waitForEvent("default", selector, "InvalidSelector", /unknown operator/);
  await waitForEvent("default", selector, "InvalidTargets", /"Bad_Name"/);
  await waitForObject("ConfigMap", a, selector);
  await waitFor(async () => conditionOf(await getResource(`${resourceDistributions}/${selector}`), "SpecInvalid")?.status === "True" || undefined, {
    timeoutMs: 30_000,
    description: "SpecInvalid on the selector RD",
  });

  await ferry.engine.idle();
  assert.equal(await getObject("Secret", a, "web"), undefined);
  assert.equal(await getObject("ConfigMap", a, "web"), undefined);
  assert.deepEqual(await namespacesWith("ConfigMap", copiesOfRule(`kruise-rd/ResourceDistribution/${kind}`)), []);
  assert.ok(ferry.engine.isReady(), "no crash");
});
