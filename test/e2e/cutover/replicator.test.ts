// Cutover from kubernetes-replicator (v2.12.4): its push copies (the source's name, type, data and
// labels; exactly its three annotations, written by its field manager) are taken over by the
// replicator dialect under the default policy, follow the source and are pruned with it. An
// unrelated Secret of the same name, and one the replicator merged into (it holds keys of its
// own), are left alone.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createNamespace, uniqueName } from "../../support/cluster.js";
import { createSecret, deleteObject, getObject, patchObject, secretValue, startTestFerry } from "../../support/ferry.js";
import { assertUntouched, b64, layDown, namespacesFor, takeoversCounted, waitForConflict, waitForTookOver, waitPruned, waitTakenOver } from "./support.js";

const R = "replicator.v1.mittwald.de";
const MARKS = [`${R}/replicated-at`, `${R}/replicated-from-version`, `${R}/replicated-keys`];

test("replicator cutover: its push copies are taken over, follow the source and are pruned with it; merged and unrelated objects are not", async (t) => {
  const src = await createNamespace(t, "repl-src");
  const [a, b, merged, unrelated] = await namespacesFor(t, ["repl-a", "repl-b", "repl-merged", "repl-other"]);
  const name = uniqueName("push");
  const labels = { "app.kubernetes.io/name": "demo", team: "platform" };
  const source = await createSecret(src, name, { password: "v1-pass", username: "admin" }, { labels, annotations: { [`${R}/replicate-to`]: `${a},${b},${merged},${unrelated}` } });
  const copyOf = (extra: Record<string, string> = {}) => ({
    name,
    labels,
    annotations: { [`${R}/replicated-at`]: "2026-11-30T07:56:55Z", [`${R}/replicated-from-version`]: source.metadata.resourceVersion!, [`${R}/replicated-keys`]: "password,username" },
    data: { ...(source.data as Record<string, string>), ...extra },
  });
  await layDown("Secret", a, copyOf(), "replicator");
  await layDown("Secret", b, copyOf(), "replicator");
  const mergedInto = await layDown("Secret", merged, copyOf({ "own-key": b64("not the replicator's") }), "replicator");
  const other = await createSecret(unrelated, name, { "their-key": "theirs-value" }, { labels: { owner: "someone-else" } });

  const ferry = await startTestFerry(t);
  for (const namespace of [a, b]) await waitTakenOver("Secret", namespace, name, "kubernetes-replicator", MARKS, (o) => secretValue(o, "password") === "v1-pass");
  // One TookOver Event per copy: the takeovers of one rule do not replace each other's Event.
  for (const namespace of [a, b]) await waitForTookOver(src, name, "kubernetes-replicator", `${namespace}/${name}`);
  await waitForConflict(ferry, merged, name);
  await waitForConflict(ferry, unrelated, name);

  await patchObject("Secret", src, name, { data: { password: b64("v2-pass") } });
  for (const namespace of [a, b]) await waitTakenOver("Secret", namespace, name, "kubernetes-replicator", MARKS, (o) => secretValue(o, "password") === "v2-pass");
  await ferry.engine.idle();
  await assertUntouched(mergedInto, "the replicator merged into it: it holds a key of its own");
  await assertUntouched(other, "no marks");
  assert.equal(await takeoversCounted(ferry, "kubernetes-replicator"), 2);
  const report = ferry.engine.reports().reports.find((r) => r.rule.source.name === name)!;
  assert.equal(report.takenOver, 2);

  await deleteObject("Secret", src, name);
  await waitPruned("Secret", [{ namespace: a, name }, { namespace: b, name }]);
  await assertUntouched(mergedInto, "never Ferry's to delete");
  assert.ok(await getObject("Secret", unrelated, name));
});
