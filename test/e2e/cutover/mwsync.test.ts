// Cutover from secret-replicator-eks (the `mw-sync` annotation on a Secret in the operator's
// namespace): the tool published no code, so nothing on its copies can prove them copies. Without
// consent Ferry reports them as conflicts and leaves them alone; with
// `--take-over-unmarked=mwsync` it takes them over, they follow the source and are pruned with
// it. An object carrying another tool's marks is never taken over.
import assert from "node:assert/strict";
import { test } from "node:test";
import { uniqueName } from "../../support/cluster.js";
import { createSecret, deleteObject, getObject, patchObject, secretValue, startTestFerry } from "../../support/ferry.js";
import { chartClient } from "../../support/chart-identity.js";
import { assertUntouched, b64, layDown, namespacesFor, refusedWithoutConsent, waitForConflict, waitForTookOver, waitPruned, waitTakenOver } from "./support.js";

const FERRY_NAMESPACE = "ferry-system";
const TOOL = "secret-replicator-eks";

test("secret-replicator-eks cutover: unmarked copies stay conflicts without consent; with --take-over-unmarked=mwsync they are taken over, follow the source and are pruned with it", async (t) => {
  await chartClient(FERRY_NAMESPACE); // Ferry's namespace and identity, as the chart installs them before Ferry starts
  const [a, b, marked] = await namespacesFor(t, ["mw-a", "mw-b", "mw-marked"]);
  const name = uniqueName("regcred");
  // Every namespace gets a copy: the source goes first when the test ends, so Ferry prunes them.
  t.after(() => deleteObject("Secret", FERRY_NAMESPACE, name));
  const source = await createSecret(FERRY_NAMESPACE, name, { token: "v1-mw-token" }, { annotations: { "mw-sync": "yes" } });
  const copy = { name, data: source.data as Record<string, string> };
  const old = [await layDown("Secret", a, copy, "kopf"), await layDown("Secret", b, copy, "kopf")];
  const whispered = await layDown("Secret", marked, { ...copy, labels: { "secret-syncer.jeffl.es/mirror": "true", "secret-syncer.jeffl.es/name": name, "secret-syncer.jeffl.es/namespace": "elsewhere" } }, "secret-syncer.jeffl.es");

  await refusedWithoutConsent(t, "mwsync", old);

  const ferry = await startTestFerry(t, { takeOverUnmarked: ["mwsync"] });
  for (const namespace of [a, b]) await waitTakenOver("Secret", namespace, name, TOOL, [], (o) => secretValue(o, "token") === "v1-mw-token");
  await waitForTookOver(FERRY_NAMESPACE, name, TOOL, `${a}/${name}`);
  await waitForConflict(ferry, marked, name);

  await patchObject("Secret", FERRY_NAMESPACE, name, { data: { token: b64("v2-mw-token") } });
  for (const namespace of [a, b]) await waitTakenOver("Secret", namespace, name, TOOL, [], (o) => secretValue(o, "token") === "v2-mw-token");
  await ferry.engine.idle();
  await assertUntouched(whispered, "another tool's marks: consent covers only unmarked objects");

  await deleteObject("Secret", FERRY_NAMESPACE, name);
  await waitPruned("Secret", [{ namespace: a, name }, { namespace: b, name }]);
  assert.ok(await getObject("Secret", marked, name));
});
