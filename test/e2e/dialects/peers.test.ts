// The peers' annotations on the real control plane: kubernetes-replicator (push by names,
// regular expressions and namespace labels; pull with the source's consent), Reflector
// (automatic mirrors into allowed ∩ auto namespaces; reflects pull) and Kubed/config-syncer
// (sync "" and a namespace selector). Ferry never merges into, overwrites or deletes an object it
// did not write - unlike the replicator, which merges keys into existing Secrets.
import assert from "node:assert/strict";
import { test } from "node:test";
import { MANAGED_BY_LABEL, PULL_LABEL } from "../../../src/core/marks.js";
import { waitFor } from "../../../src/util/wait-for.js";
import { createNamespace, uniqueName } from "../../support/cluster.js";
import {
  b64,
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
import { activeNamespaces, copiesOfSource, ensureNamespaces, labelNamespace, namespacesWith, waitForEvent, waitForNoCopies } from "../../support/manifests.js";

const REPLICATOR = "replicator.v1.mittwald.de/";
const REFLECTOR = "reflector.v1.k8s.emberstack.com/";
const KUBED_SYNC = "kubed.appscode.com/sync";
const PROTECTED = ["kube-system", "kube-public", "kube-node-lease", "ferry-system"];

test("replicator push: replicate-to names and an anchored regex, replicate-to-matching labels; never the source's own namespace; new matches join; edits prune; deleting the source removes the copies", async (t) => {
  const ferry = await startTestFerry(t);
  const p = uniqueName("rep");
  // The source lives in a namespace the regex matches too: no copy (and no loop) there.
  await ensureNamespaces(t, [`${p}-1`, `${p}-22`, `${p}-x`, `${p}-9`]);
  const src = `${p}-9`;
  const named = await createNamespace(t, "named");
  const labelKey = uniqueName("team");
  const matching = await createNamespace(t, "matching", { [labelKey]: "value" });
  const source = await createSecret(src, "pushed", { token: "1" }, { annotations: { [`${REPLICATOR}replicate-to`]: `${named},${p}-[0-9]*`, [`${REPLICATOR}replicate-to-matching`]: `${labelKey}=value` } });
  const selector = copiesOfSource(src, "pushed");
  const expected = [named, `${p}-1`, `${p}-22`, matching].sort();
  await waitFor(async () => (await namespacesWith("Secret", selector)).join() === expected.join() || undefined, { timeoutMs: 30_000, description: `copies in ${expected.join(", ")}` });
  const copy = (await getObject("Secret", `${p}-1`, "pushed"))!;
  assert.equal(secretValue(copy, "token"), "1");
  assert.equal(copy.metadata.annotations?.[`${REPLICATOR}replicate-to`], undefined, "a copy never looks like a source");
  await ferry.engine.idle();
  const after = (await getObject("Secret", src, "pushed"))!;
  assert.equal(after.metadata.resourceVersion, source.metadata.resourceVersion, "the source is never written");

  await ensureNamespaces(t, [`${p}-333`]);
  await waitForObject("Secret", `${p}-333`, "pushed");
  await patchObject("Secret", src, "pushed", { data: { token: b64("2") } });
  await waitForObject("Secret", matching, "pushed", (o) => secretValue(o, "token") === "2");

  await patchObject("Secret", src, "pushed", { metadata: { annotations: { [`${REPLICATOR}replicate-to`]: named, [`${REPLICATOR}replicate-to-matching`]: null } } });
  await waitFor(async () => (await namespacesWith("Secret", selector)).join() === named || undefined, { timeoutMs: 30_000, description: "only the named copy left" });

  await deleteObject("Secret", src, "pushed");
  await waitForNoCopies("Secret", selector);
});

test("replicator push does not merge into an existing unmanaged Secret (the replicator's #56/#312): untouched, UnmanagedObjectExists Event", async (t) => {
  await startTestFerry(t);
  const src = await createNamespace(t, "src");
  const a = await createNamespace(t, "a");
  const b = await createNamespace(t, "b");
  const theirs = await createSecret(b, "app-creds", { "their-key": "their-own-value" });
  await createSecret(src, "app-creds", { "our-key": "ours" }, { annotations: { [`${REPLICATOR}replicate-to`]: `${a},${b}` } });
  await waitForObject("Secret", a, "app-creds");
  await waitForEvent(src, "app-creds", "UnmanagedObjectExists", new RegExp(`${b}/app-creds`));
  const after = (await getObject("Secret", b, "app-creds"))!;
  assert.equal(after.metadata.resourceVersion, theirs.metadata.resourceVersion);
  assert.deepEqual(Object.keys(after.data ?? {}), ["their-key"], "no keys merged in");
  assert.equal(after.metadata.labels?.[MANAGED_BY_LABEL], undefined);
  await deleteObject("Secret", src, "app-creds");
  await waitForGone("Secret", a, "app-creds");
  assert.ok(await getObject("Secret", b, "app-creds"), "never deleted");
});

test("replicator pull: replicate-from fills the replica when the source consents (replication-allowed + -namespaces), refuses without consent, re-checks when consent changes, never deletes the replica", async (t) => {
  await startTestFerry(t);
  const src = await createNamespace(t, "src");
  const allowed = await createNamespace(t, "allowed");
  const other = await createNamespace(t, "other");
  await createSecret(src, "some-secret", { password: "s3cret" }, {
    annotations: { [`${REPLICATOR}replication-allowed`]: "true", [`${REPLICATOR}replication-allowed-namespaces`]: `${allowed},never-[0-9]+` },
  });
  await createSecret(src, "private", { password: "mine" });
  await createSecret(allowed, "secret-replica", {}, { annotations: { [`${REPLICATOR}replicate-from`]: `${src}/some-secret` }, labels: { app: "web" } });
  const refused = await createSecret(other, "secret-replica", {}, { annotations: { [`${REPLICATOR}replicate-from`]: `${src}/some-secret` } });
  const noConsent = await createSecret(allowed, "private-replica", {}, { annotations: { [`${REPLICATOR}replicate-from`]: `${src}/private` } });

  const filled = await waitForObject("Secret", allowed, "secret-replica", (o) => secretValue(o, "password") === "s3cret");
  assert.equal(filled.metadata.labels?.app, "web", "the replica keeps its own metadata");
  assert.equal(filled.metadata.labels?.[PULL_LABEL], "true");
  assert.match((await waitForEvent(other, "secret-replica", "ReplicationNotAllowed")).message, new RegExp(`into namespace ${other}`));
  assert.match((await waitForEvent(allowed, "private-replica", "ReplicationNotAllowed")).message, /replication-allowed is not "true"/);
  assert.equal((await getObject("Secret", other, "secret-replica"))?.metadata.resourceVersion, refused.metadata.resourceVersion);
  assert.equal((await getObject("Secret", allowed, "private-replica"))?.metadata.resourceVersion, noConsent.metadata.resourceVersion);

  await patchObject("Secret", src, "some-secret", { data: { password: b64("rotated") } });
  await waitForObject("Secret", allowed, "secret-replica", (o) => secretValue(o, "password") === "rotated");

  // The source extends its consent: the refused replica is filled now.
  await patchObject("Secret", src, "some-secret", { metadata: { annotations: { [`${REPLICATOR}replication-allowed-namespaces`]: `${allowed},${other}` } } });
  await waitForObject("Secret", other, "secret-replica", (o) => secretValue(o, "password") === "rotated");

  // A replica created before its source: reported, then filled once the source appears with consent.
  await createSecret(allowed, "early-replica", {}, { annotations: { [`${REPLICATOR}replicate-from`]: `${src}/late-source` } });
  await waitForEvent(allowed, "early-replica", "SourceNotFound", new RegExp(`${src}/late-source`));
  await createSecret(src, "late-source", { v: "late" }, { annotations: { [`${REPLICATOR}replication-allowed`]: "true", [`${REPLICATOR}replication-allowed-namespaces`]: allowed } });
  await waitForObject("Secret", allowed, "early-replica", (o) => secretValue(o, "v") === "late");

  await deleteObject("Secret", src, "some-secret");
  await waitForEvent(allowed, "secret-replica", "SourceNotFound");
  assert.ok(await getObject("Secret", allowed, "secret-replica"), "a pull target is never deleted");
  assert.ok(await getObject("Secret", other, "secret-replica"));
});

test("Reflector: auto mirrors go to allowed ∩ auto namespaces (regex allowed); reflects pulls where permitted and is refused elsewhere; its own leftover mirrors are taken over", async (t) => {
  await startTestFerry(t);
  const p = uniqueName("refl");
  await ensureNamespaces(t, [`${p}-1`, `${p}-3`]);
  const src = await createNamespace(t, "src");
  const outside = await createNamespace(t, "outside");
  await createSecret(src, "source-secret", { key: "value" }, {
    annotations: {
      [`${REFLECTOR}reflection-allowed`]: "true",
      [`${REFLECTOR}reflection-allowed-namespaces`]: `${p}-[0-9]+`,
      [`${REFLECTOR}reflection-auto-enabled`]: "true",
      [`${REFLECTOR}reflection-auto-namespaces`]: `${p}-1,${outside}`,
    },
  });
  await createSecret(`${p}-3`, "mirror-secret", {}, { annotations: { [`${REFLECTOR}reflects`]: `${src}/source-secret` } });
  const refused = await createSecret(outside, "mirror-secret", {}, { annotations: { [`${REFLECTOR}reflects`]: `${src}/source-secret` } });

  const auto = await waitForObject("Secret", `${p}-1`, "source-secret");
  assert.equal(secretValue(auto, "key"), "value");
  assert.equal(auto.metadata.annotations?.[`${REFLECTOR}reflection-allowed`], undefined, "a mirror grants nothing");
  await waitForObject("Secret", `${p}-3`, "mirror-secret", (o) => secretValue(o, "key") === "value");
  assert.match((await waitForEvent(outside, "mirror-secret", "ReflectionNotAllowed")).message, new RegExp(`into namespace ${outside}`));
  assert.deepEqual(await namespacesWith("Secret", copiesOfSource(src, "source-secret")).then((list) => list.filter((ns) => ns !== `${p}-3`)), [`${p}-1`], "auto namespaces outside the allowed set get nothing");
  assert.equal((await getObject("Secret", outside, "mirror-secret"))?.metadata.resourceVersion, refused.metadata.resourceVersion);

  await patchObject("Secret", src, "source-secret", { data: { key: b64("changed") } });
  await waitForObject("Secret", `${p}-1`, "source-secret", (o) => secretValue(o, "key") === "changed");
  await waitForObject("Secret", `${p}-3`, "mirror-secret", (o) => secretValue(o, "key") === "changed");

  // Mirrors Reflector itself left behind (auto-reflects): its mirror of this source is taken over
  // (docs/migration.md); its mirror of another source is reported and left untouched until deleted,
  // then replaced. The leftovers exist first, then their namespaces become auto targets (in the
  // other order a fast Ferry has already written its copies there).
  await ensureNamespaces(t, [`${p}-2`, `${p}-4`]);
  await createSecret(`${p}-2`, "source-secret", { key: "stale" }, { annotations: { [`${REFLECTOR}auto-reflects`]: "True", [`${REFLECTOR}reflects`]: `${src}/source-secret` } });
  const foreign = await createSecret(`${p}-4`, "source-secret", { key: "stale" }, { annotations: { [`${REFLECTOR}auto-reflects`]: "True", [`${REFLECTOR}reflects`]: `elsewhere/source-secret` } });
  await patchObject("Secret", src, "source-secret", { metadata: { annotations: { [`${REFLECTOR}reflection-auto-namespaces`]: `${p}-1,${p}-2,${p}-4,${outside}` } } });
  const takenOver = await waitForObject("Secret", `${p}-2`, "source-secret", (o) => secretValue(o, "key") === "changed" && o.metadata.labels?.[MANAGED_BY_LABEL] === "ferry");
  assert.equal(takenOver.metadata.annotations?.["ferry.dev/taken-over-from"], "Reflector");
  assert.equal(takenOver.metadata.annotations?.[`${REFLECTOR}reflects`], undefined, "Reflector's marks are gone");
  await waitForEvent(src, "source-secret", "TookOver", new RegExp(`${p}-2/source-secret`));
  await waitForEvent(src, "source-secret", "UnmanagedObjectExists", new RegExp(`${p}-4/source-secret`));
  assert.equal((await getObject("Secret", `${p}-4`, "source-secret"))?.metadata.resourceVersion, foreign.metadata.resourceVersion);
  await deleteObject("Secret", `${p}-4`, "source-secret");
  await waitForObject("Secret", `${p}-4`, "source-secret", (o) => secretValue(o, "key") === "changed" && o.metadata.labels?.[MANAGED_BY_LABEL] === "ferry");

  await deleteObject("Secret", src, "source-secret");
  await waitForGone("Secret", `${p}-1`, "source-secret");
  await waitForGone("Secret", `${p}-2`, "source-secret");
  await waitForGone("Secret", `${p}-4`, "source-secret");
  assert.ok(await getObject("Secret", `${p}-3`, "mirror-secret"), "the pulled mirror is the user's: never deleted");
});

test("Kubed/config-syncer: sync \"\" copies everywhere (not protected namespaces) with origin labels; sync \"app=...\" follows namespace labels", async (t) => {
  await startTestFerry(t);
  const demo = await createNamespace(t, "demo");
  const value = uniqueName("kubed");
  const labelled = await createNamespace(t, "labelled", { app: value });
  const plain = await createNamespace(t, "plain");
  await createConfigMap(demo, "omni", { you: "only" }, { annotations: { [KUBED_SYNC]: "" } });
  await createConfigMap(demo, "picky", { you: "some" }, { annotations: { [KUBED_SYNC]: `app=${value}` } });

  const everywhere = copiesOfSource(demo, "omni");
  await waitFor(
    async () => {
      const have = new Set(await namespacesWith("ConfigMap", everywhere));
      return (await activeNamespaces()).filter((ns) => ns !== demo && !PROTECTED.includes(ns)).every((ns) => have.has(ns));
    },
    { timeoutMs: 30_000, description: "omni in every namespace" },
  );
  for (const ns of PROTECTED) assert.equal(await getObject("ConfigMap", ns, "omni"), undefined, `${ns} is protected (Kubed's guide shows copies there)`);
  const copy = (await getObject("ConfigMap", plain, "omni"))!;
  assert.deepEqual(copy.data, { you: "only" });
  assert.equal(copy.metadata.labels?.["kubed.appscode.com/origin.name"], "omni");
  assert.equal(copy.metadata.labels?.["kubed.appscode.com/origin.namespace"], demo);
  assert.equal(copy.metadata.labels?.["kubed.appscode.com/origin.cluster"], "local");
  assert.equal(copy.metadata.annotations?.[KUBED_SYNC], undefined);

  await waitForObject("ConfigMap", labelled, "picky");
  assert.deepEqual(await namespacesWith("ConfigMap", copiesOfSource(demo, "picky")), [labelled]);
  await labelNamespace(plain, { app: value });
  await waitForObject("ConfigMap", plain, "picky");
  await labelNamespace(labelled, { app: null });
  await waitForGone("ConfigMap", labelled, "picky");

  await deleteObject("ConfigMap", demo, "omni");
  await deleteObject("ConfigMap", demo, "picky");
  await waitForNoCopies("ConfigMap", everywhere);
  await waitForNoCopies("ConfigMap", copiesOfSource(demo, "picky"));
});

test("bad input: invalid selectors and regular expressions, consent missing, a missing or malformed pull source, unsupported keys -> Events; valid parts still apply; nothing else written; no crash", async (t) => {
  const ferry = await startTestFerry(t);
  const src = await createNamespace(t, "src");
  const a = await createNamespace(t, "a");
  await createSecret(src, "bad-matching", { v: "1" }, { annotations: { [`${REPLICATOR}replicate-to-matching`]: "team in (a" } });
  await createSecret(src, "bad-regex", { v: "1" }, { annotations: { [`${REPLICATOR}replicate-to`]: `${a},[unclosed` } });
  await createSecret(a, "from-nowhere", {}, { annotations: { [`${REPLICATOR}replicate-from`]: `${src}/does-not-exist` } });
  await createSecret(a, "from-garbage", {}, { annotations: { [`${REPLICATOR}replicate-from`]: "not a reference" } });
  await createConfigMap(src, "kubed-bad", { v: "1" }, { annotations: { [KUBED_SYNC]: "tier notin (a," } });
  await createConfigMap(src, "kubed-contexts", { v: "1" }, { annotations: { [KUBED_SYNC]: `app=${uniqueName("none")}`, "kubed.appscode.com/sync-contexts": "prod" } });
  await createSecret(src, "auto-without-consent", { v: "1" }, { annotations: { [`${REFLECTOR}reflection-auto-enabled`]: "true", [`${REFLECTOR}reflection-auto-namespaces`]: a } });
  await createSecret(a, "reflects-nowhere", {}, { annotations: { [`${REFLECTOR}reflects`]: `${src}/does-not-exist` } });

  await waitForEvent(src, "bad-matching", "InvalidSelector");
  assert.match((await waitForEvent(src, "bad-regex", "InvalidPattern")).message, /"\[unclosed"/);
  await waitForObject("Secret", a, "bad-regex"); // the valid name still applies
  await waitForEvent(a, "from-nowhere", "SourceNotFound", new RegExp(`${src}/does-not-exist`));
  await waitForEvent(a, "from-garbage", "InvalidAnnotation");
  await waitForEvent(src, "kubed-bad", "InvalidSelector");
  await waitForEvent(src, "kubed-contexts", "UnsupportedAnnotation", /sync-contexts/);
  await waitForEvent(src, "auto-without-consent", "InvalidAnnotation", /reflection-allowed/);
  await waitForEvent(a, "reflects-nowhere", "SourceNotFound");

  await ferry.engine.idle();
  for (const name of ["bad-matching", "auto-without-consent"]) assert.deepEqual(await namespacesWith("Secret", copiesOfSource(src, name)), [], name);
  assert.deepEqual(await namespacesWith("ConfigMap", copiesOfSource(src, "kubed-bad")), []);
  for (const name of ["from-nowhere", "from-garbage", "reflects-nowhere"]) {
    const object = await getObject("Secret", a, name);
    assert.deepEqual(object?.data ?? {}, {}, `${name} untouched`);
    assert.equal(object?.metadata.labels?.[MANAGED_BY_LABEL], undefined);
  }
  assert.deepEqual(await namespacesWith("Secret", copiesOfSource(src, "bad-regex")), [a]);
  assert.ok(ferry.engine.isReady(), "no crash");
});
