// whisperer.rs (seeds/whisperer-rs.md) on the real control plane: the README's sync.yaml
// verbatim, its kubectl label queries, a deleted mirror coming back, a listed-but-missing
// namespace filled when it appears, and "delete the source secret and everything is gone".
import assert from "node:assert/strict";
import { test } from "node:test";
import { MANAGED_BY_LABEL } from "../../../src/core/marks.js";
import type { KubeObject } from "../../../src/kube/informer.js";
import { waitFor } from "../../../src/util/wait-for.js";
import { createNamespace } from "../../support/cluster.js";
import {
  createConfigMap,
  createSecret,
  deleteObject,
  getObject,
  patchObject,
  secretValue,
  startTestFerry,
  waitForGone,
  waitForObject,
} from "../../support/ferry.js";
import {
  applyManifest,
  copiesOfSource,
  ensureNamespaces,
  ensureNamespacesAbsent,
  kubectl,
  kubectlPath,
  listObjects,
  namespacesWith,
  waitForEvent,
  waitForNoCopies,
} from "../../support/manifests.js";
import { WHISPERER_SYNC_YAML } from "../../support/seed-documents.js";

// sync.yaml from the seed, verbatim.
const SYNC_YAML = WHISPERER_SYNC_YAML;

const SYNC = "secret-syncer.jeffl.es/sync";
const NAMESPACES = "secret-syncer.jeffl.es/namespaces";
const SECRET_TEXT = "totally a super duper secret you shouldn't tell anyone\n";

/** "NAMESPACE/NAME" of every object, sorted. */
const ids = (objects: KubeObject[]) => objects.map((o) => `${o.metadata.namespace}/${o.metadata.name}`).sort();

/** Runs one of the README's `kubectl get secrets ... --all-namespaces` lines; returns "NAMESPACE/NAME TYPE DATA" rows. */
async function kubectlRows(args: string[]): Promise<string[]> {
  const out = await kubectl(["get", "secrets", ...args, "--all-namespaces"]);
  return out
    .split("\n")
    .slice(1)
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const [namespace, name, type, data] = line.trim().split(/\s+/);
      return `${namespace}/${name} ${type} ${data}`;
    })
    .sort();
}

test("seed: sync.yaml mirrors source/sync into target and target2; the README's label queries work; a deleted mirror comes back; missing is filled when created; deleting the source removes every mirror", async (t) => {
  const ferry = await startTestFerry(t);
  await ensureNamespacesAbsent(["missing"]); // listed in the seed and missing, whatever ran before
  await applyManifest(SYNC_YAML, { t });

  for (const ns of ["target", "target2"]) {
    const mirror = await waitForObject("Secret", ns, "sync");
    assert.equal(mirror.type, "Opaque");
    assert.equal(secretValue(mirror, "secret"), SECRET_TEXT);
    assert.equal(mirror.metadata.labels?.["secret-syncer.jeffl.es/mirror"], "true");
    assert.equal(mirror.metadata.labels?.["secret-syncer.jeffl.es/name"], "sync");
    assert.equal(mirror.metadata.labels?.["secret-syncer.jeffl.es/namespace"], "source");
    assert.equal(mirror.metadata.labels?.[SYNC], undefined, "a mirror is not a source");
    assert.equal(mirror.metadata.annotations?.[NAMESPACES], undefined);
  }
  // `missing` does not exist: reported on the rule, nothing written anywhere else.
  await waitFor(
    () =>
      ferry.engine
        .reports()
        .reports.find((r) => r.rule.id === "whisperer/Secret/source/sync")
        ?.outcomes.some((o) => o.namespace === "missing" && o.state === "NamespaceNotFound"),
    { timeoutMs: 10_000, description: "NamespaceNotFound for missing" },
  );
  assert.deepEqual(await namespacesWith("Secret", copiesOfSource("source", "sync")), ["target", "target2"]);

  // The README's queries, as label-selector lists through the API...
  assert.deepEqual(ids(await listObjects("Secret", "secret-syncer.jeffl.es/sync=true")), ["source/sync"]);
  assert.deepEqual(ids(await listObjects("Secret", "secret-syncer.jeffl.es/mirror=true")), ["target/sync", "target2/sync"]);
  assert.deepEqual(ids(await listObjects("Secret", "secret-syncer.jeffl.es/name=sync,secret-syncer.jeffl.es/namespace=source")), ["target/sync", "target2/sync"]);
  // ...and with kubectl itself, as the README runs them. kubectl is a test requirement: missing, it
  // fails the test (.ci/run builds one with tools/kubectl/install.sh when the machine has none).
  assert.ok(kubectlPath(), "kubectl is not on PATH: install it, or run tools/kubectl/install.sh and put its directory on PATH");
  assert.deepEqual(await kubectlRows(["-l", "secret-syncer.jeffl.es/sync=true"]), ["source/sync Opaque 1"]);
  assert.deepEqual(await kubectlRows(["-l", "secret-syncer.jeffl.es/mirror=true"]), ["target/sync Opaque 1", "target2/sync Opaque 1"]);
  assert.deepEqual(await kubectlRows(["-l", "secret-syncer.jeffl.es/name=sync,secret-syncer.jeffl.es/namespace=source"]), [
    "target/sync Opaque 1",
    "target2/sync Opaque 1",
  ]);

  // "You can delete a synced secret and it'll come right back."
  const before = await getObject("Secret", "target", "sync");
  await deleteObject("Secret", "target", "sync");
  const back = await waitForObject("Secret", "target", "sync", (o) => o.metadata.uid !== before?.metadata.uid);
  assert.equal(secretValue(back, "secret"), SECRET_TEXT);

  // The listed-but-missing namespace gets its mirror when it is created.
  await ensureNamespaces(t, ["missing"]);
  await waitForObject("Secret", "missing", "sync", (o) => secretValue(o, "secret") === SECRET_TEXT);

  // "Delete the source secret and everything is gone."
  await deleteObject("Secret", "source", "sync");
  await waitForNoCopies("Secret", "secret-syncer.jeffl.es/mirror=true,secret-syncer.jeffl.es/namespace=source");
  assert.deepEqual(await listObjects("Secret", "secret-syncer.jeffl.es/sync=true"), []);
});

test("mirrors follow the source's data, hand edits are reverted, and editing the list or dropping the label prunes", async (t) => {
  await startTestFerry(t);
  const src = await createNamespace(t, "src");
  const [a, b, c] = [await createNamespace(t, "a"), await createNamespace(t, "b"), await createNamespace(t, "c")];
  await createSecret(src, "pull", { token: "one" }, { labels: { [SYNC]: "true" }, annotations: { [NAMESPACES]: `${a}, ${b}` } });
  for (const ns of [a, b]) await waitForObject("Secret", ns, "pull", (o) => secretValue(o, "token") === "one");

  await patchObject("Secret", src, "pull", { data: { token: Buffer.from("two").toString("base64") } });
  for (const ns of [a, b]) await waitForObject("Secret", ns, "pull", (o) => secretValue(o, "token") === "two");
  await patchObject("Secret", a, "pull", { data: { token: Buffer.from("hacked").toString("base64") } });
  await waitForObject("Secret", a, "pull", (o) => secretValue(o, "token") === "two");

  await patchObject("Secret", src, "pull", { metadata: { annotations: { [NAMESPACES]: `${b},${c}` } } });
  await waitForObject("Secret", c, "pull");
  await waitForGone("Secret", a, "pull");

  await patchObject("Secret", src, "pull", { metadata: { labels: { [SYNC]: "false" } } });
  await waitForNoCopies("Secret", copiesOfSource(src, "pull"));
  assert.ok(await getObject("Secret", src, "pull"), "the source is never touched");
});

test("an existing Secret of the mirror's name is left untouched and reported; the annotation without the label does nothing until the label is added", async (t) => {
  const ferry = await startTestFerry(t);
  const src = await createNamespace(t, "src");
  const a = await createNamespace(t, "a");
  const b = await createNamespace(t, "b");
  const theirs = await createSecret(b, "creds", { mine: "yes" });
  await createSecret(src, "creds", { token: "t" }, { annotations: { [NAMESPACES]: `${a},${b}` } });
  // A canary created afterwards: once its mirror exists, Ferry has seen and planned "creds" too.
  await createSecret(src, "canary", { k: "v" }, { labels: { [SYNC]: "true" }, annotations: { [NAMESPACES]: a } });
  await waitForObject("Secret", a, "canary");
  await ferry.engine.idle();
  assert.deepEqual(await namespacesWith("Secret", copiesOfSource(src, "creds")), [], "no label, no mirror (whisperer's watch is label-selected)");

  await patchObject("Secret", src, "creds", { metadata: { labels: { [SYNC]: "true" } } });
  await waitForObject("Secret", a, "creds");
  await waitForEvent(src, "creds", "UnmanagedObjectExists", new RegExp(`${b}/creds`));
  const after = await getObject("Secret", b, "creds");
  assert.equal(after?.metadata.resourceVersion, theirs.metadata.resourceVersion);
  assert.deepEqual(Object.keys(after?.data ?? {}), ["mine"], "nothing merged into it");
  assert.equal(after?.metadata.labels?.[MANAGED_BY_LABEL], undefined);

  await deleteObject("Secret", src, "creds");
  await waitForGone("Secret", a, "creds");
  assert.ok(await getObject("Secret", b, "creds"), "never deleted");
});

test("bad input: a labelled ConfigMap, the label without a list, invalid names in the list -> Events; valid names still mirrored; no crash", async (t) => {
  const ferry = await startTestFerry(t);
  const src = await createNamespace(t, "src");
  const a = await createNamespace(t, "a");
  await createConfigMap(src, "settings", { k: "v" }, { labels: { [SYNC]: "true" }, annotations: { [NAMESPACES]: a } });
  await createSecret(src, "no-list", { k: "v" }, { labels: { [SYNC]: "true" } });
  await createSecret(src, "mixed", { k: "v" }, { labels: { [SYNC]: "true" }, annotations: { [NAMESPACES]: `${a},Not A Namespace,,${a}` } });

  assert.match((await waitForEvent(src, "settings", "UnsupportedKind")).message, /Secrets only/);
  assert.match((await waitForEvent(src, "no-list", "InvalidAnnotation")).message, /lists no namespace/);
  assert.match((await waitForEvent(src, "mixed", "InvalidNamespaceName")).message, /"Not A Namespace"/);
  await waitForObject("Secret", a, "mixed");

  await ferry.engine.idle();
  assert.equal(await getObject("ConfigMap", a, "settings"), undefined);
  assert.deepEqual(await namespacesWith("Secret", copiesOfSource(src, "no-list")), []);
  assert.deepEqual(await namespacesWith("Secret", copiesOfSource(src, "mixed")), [a]);
  assert.ok(ferry.engine.isReady(), "no crash");
});
