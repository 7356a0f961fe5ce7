// Cutover to the OpenKruise annotation form (`openkruise.io/sync-to`): the proposal was never
// implemented, so no tool ever wrote these copies and nothing can prove one. An object of the
// copy's name at a target (say, made by hand while waiting for the feature) stays a conflict
// without consent; with `--take-over-unmarked=kruise` it is taken over, follows the source and is
// pruned with it. An object carrying another tool's marks is never taken over.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createNamespace, uniqueName } from "../../support/cluster.js";
import { createSecret, deleteObject, getObject, patchObject, secretValue, startTestFerry } from "../../support/ferry.js";
import { assertUntouched, b64, layDown, namespacesFor, refusedWithoutConsent, waitForConflict, waitForTookOver, waitPruned, waitTakenOver } from "./support.js";

const TOOL = "OpenKruise (annotation proposal)";

test("OpenKruise annotations cutover: unmarked objects stay conflicts without consent; with --take-over-unmarked=kruise they are taken over, follow the source and are pruned with it", async (t) => {
  const src = await createNamespace(t, "kr-src");
  const [a, b, marked] = await namespacesFor(t, ["kr-a", "kr-b", "kr-marked"]);
  const name = uniqueName("namespaced-secret");
  const source = await createSecret(src, name, { username: "admin", password: "v1-t0p-Secret" }, {
    annotations: { "openkruise.io/sync-to": "namespaces", "openkruise.io/sync-to-namespaces": `${a};${b};${marked}` },
  });
  const copy = { name, data: source.data as Record<string, string> };
  const old = [await layDown("Secret", a, copy, "kubectl"), await layDown("Secret", b, copy, "kubectl")];
  const replicated = await layDown(
    "Secret",
    marked,
    { ...copy, annotations: { "replicator.v1.mittwald.de/replicated-at": "2026-11-30T07:56:55Z", "replicator.v1.mittwald.de/replicated-from-version": "1", "replicator.v1.mittwald.de/replicated-keys": "password,username" } },
    "replicator",
  );

  await refusedWithoutConsent(t, "kruise", old);

  const ferry = await startTestFerry(t, { takeOverUnmarked: ["kruise"] });
  for (const namespace of [a, b]) await waitTakenOver("Secret", namespace, name, TOOL, [], (o) => secretValue(o, "password") === "v1-t0p-Secret");
  await waitForTookOver(src, name, TOOL, `${a}/${name}`);
  await waitForConflict(ferry, marked, name);

  await patchObject("Secret", src, name, { data: { password: b64("v2-t0p-Secret") } });
  for (const namespace of [a, b]) await waitTakenOver("Secret", namespace, name, TOOL, [], (o) => secretValue(o, "password") === "v2-t0p-Secret");
  await ferry.engine.idle();
  await assertUntouched(replicated, "another tool's marks: consent covers only unmarked objects");

  await deleteObject("Secret", src, name);
  await waitPruned("Secret", [{ namespace: a, name }, { namespace: b, name }]);
  assert.ok(await getObject("Secret", marked, name));
});
