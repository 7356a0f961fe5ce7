// Cutover from whisperer.rs (the seed's secret-syncer.jeffl.es form): its mirrors (the source's
// name, type, data, labels and annotations, plus `mirror: "true"` and the source's name and
// namespace as labels, server-side applied by its field manager) are taken over by the whisperer
// dialect under the default policy, follow the source and are pruned with it. A mirror of another
// source is left alone.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createNamespace, uniqueName } from "../../support/cluster.js";
import { deleteObject, getObject, patchObject, secretValue, startTestFerry } from "../../support/ferry.js";
import { assertUntouched, b64, layDown, namespacesFor, waitForConflict, waitForTookOver, waitPruned, waitTakenOver } from "./support.js";

const W = "secret-syncer.jeffl.es";
const MARKS: string[] = [];

test("whisperer cutover: its mirrors are taken over, follow the source and are pruned with it; another source's mirror is not", async (t) => {
  const src = await createNamespace(t, "wh-src");
  const [a, b, elsewhere] = await namespacesFor(t, ["wh-a", "wh-b", "wh-other"]);
  const name = uniqueName("synced");
  const data = { secret: b64("v1-whisper") };
  // The source as whisperer leaves it: its label and list, and its clean-up finalizer.
  await layDown("Secret", src, { name, labels: { [`${W}/sync`]: "true", team: "platform" }, annotations: { [`${W}/namespaces`]: `${a},${b},${elsewhere}` }, finalizers: [`${W}/cleanup`], data }, "kubectl");
  // Stopping whisperer (docs/migration.md): its finalizer must go, or deleting the source hangs with nobody to remove it.
  await patchObject("Secret", src, name, { metadata: { finalizers: null } });
  const mirror = (namespace: string) => ({ name, labels: { team: "platform", [`${W}/mirror`]: "true", [`${W}/name`]: name, [`${W}/namespace`]: namespace }, data });
  await layDown("Secret", a, mirror(src), W, true);
  await layDown("Secret", b, mirror(src), W, true);
  const another = await layDown("Secret", elsewhere, mirror("some-other-namespace"), W, true);

  const ferry = await startTestFerry(t);
  for (const namespace of [a, b]) {
    const taken = await waitTakenOver("Secret", namespace, name, "whisperer.rs", MARKS, (o) => secretValue(o, "secret") === "v1-whisper");
    assert.equal(taken.metadata.labels?.[`${W}/mirror`], "true", "the dialect's copies keep whisperer's labels, so its kubectl -l queries work");
  }
  await waitForTookOver(src, name, "whisperer.rs", `${a}/${name}`);
  await waitForConflict(ferry, elsewhere, name);

  await patchObject("Secret", src, name, { data: { secret: b64("v2-whisper") } });
  for (const namespace of [a, b]) await waitTakenOver("Secret", namespace, name, "whisperer.rs", MARKS, (o) => secretValue(o, "secret") === "v2-whisper");
  await ferry.engine.idle();
  await assertUntouched(another, "a mirror of another source");

  await deleteObject("Secret", src, name);
  await waitPruned("Secret", [{ namespace: a, name }, { namespace: b, name }]);
  assert.ok(await getObject("Secret", elsewhere, name));
});
