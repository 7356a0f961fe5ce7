// Cutover from Reflector (v10.0.63): its automatic mirrors (the source's name, type and data;
// `reflects`, `auto-reflects: "True"`, `reflected-version`, `reflected-at`; no labels) are taken
// over by the reflector dialect under the default policy, follow the source and are pruned with
// it. A mirror of another source, and a user's mirror that asked to be filled, are not taken over.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createNamespace, uniqueName } from "../../support/cluster.js";
import { createSecret, deleteObject, getObject, patchObject, secretValue, startTestFerry } from "../../support/ferry.js";
import { assertUntouched, b64, layDown, namespacesFor, waitForConflict, waitForTookOver, waitPruned, waitTakenOver } from "./support.js";

const F = "reflector.v1.k8s.emberstack.com";
const MARKS = [`${F}/reflects`, `${F}/auto-reflects`, `${F}/reflected-version`, `${F}/reflected-at`];

test("Reflector cutover: its automatic mirrors are taken over, follow the source and are pruned with it; another source's mirror is not", async (t) => {
  const src = await createNamespace(t, "refl-src");
  const [a, b, elsewhere] = await namespacesFor(t, ["refl-a", "refl-b", "refl-other"]);
  const name = uniqueName("mirrored");
  const source = await createSecret(src, name, { token: "v1-token" }, {
    annotations: {
      [`${F}/reflection-allowed`]: "true",
      [`${F}/reflection-allowed-namespaces`]: `${a},${b},${elsewhere}`,
      [`${F}/reflection-auto-enabled`]: "true",
      [`${F}/reflection-auto-namespaces`]: `${a},${b},${elsewhere}`,
    },
  });
  const mirrorOf = (reflects: string) => ({
    name,
    annotations: {
      [`${F}/reflects`]: reflects,
      [`${F}/auto-reflects`]: "True",
      [`${F}/reflected-version`]: source.metadata.resourceVersion!,
      [`${F}/reflected-at`]: "2026-08-04T21:27:29.1234567+00:00",
    },
    type: "Opaque",
    data: source.data as Record<string, string>,
  });
  await layDown("Secret", a, mirrorOf(`${src}/${name}`), "reflector");
  await layDown("Secret", b, mirrorOf(`${src}/${name}`), "reflector");
  const another = await layDown("Secret", elsewhere, mirrorOf(`some-other-namespace/${name}`), "reflector");

  const ferry = await startTestFerry(t);
  for (const namespace of [a, b]) await waitTakenOver("Secret", namespace, name, "Reflector", MARKS, (o) => secretValue(o, "token") === "v1-token");
  await waitForTookOver(src, name, "Reflector", `${b}/${name}`);
  const conflict = await waitForConflict(ferry, elsewhere, name);
  assert.match(conflict.message, /name some-other-namespace\//);

  await patchObject("Secret", src, name, { data: { token: b64("v2-token") } });
  for (const namespace of [a, b]) await waitTakenOver("Secret", namespace, name, "Reflector", MARKS, (o) => secretValue(o, "token") === "v2-token");
  await ferry.engine.idle();
  await assertUntouched(another, "a mirror of another source");

  await deleteObject("Secret", src, name);
  await waitPruned("Secret", [{ namespace: a, name }, { namespace: b, name }]);
  assert.ok(await getObject("Secret", elsewhere, name));
});
