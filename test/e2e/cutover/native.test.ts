// Migrating to Ferry's own format: a `Distribution` with `conflict: adopt`, written by a tenant,
// takes over under the default policy the copies any known tool made of its own source
// (here Reflector's automatic mirror and config-syncer's copy), which then follow the source and
// are pruned with it. An unmarked object of the same name, and a tool's copy of another source,
// are left alone.
import assert from "node:assert/strict";
import { test } from "node:test";
import { waitFor } from "../../../src/util/wait-for.js";
import { createNamespace, uniqueName } from "../../support/cluster.js";
import { createResource, createSecret, deleteObject, getObject, getResource, patchObject, secretValue, startTestFerry } from "../../support/ferry.js";
import { assertUntouched, b64, layDown, namespacesFor, waitForConflict, waitForTookOver, waitPruned, waitTakenOver } from "./support.js";

const F = "reflector.v1.k8s.emberstack.com";
const K = "kubed.appscode.com";

test("native adopt cutover: a tenant's Distribution takes over other tools' copies of its own source under the default policy; unmarked objects and other sources' copies stay", async (t) => {
  const src = await createNamespace(t, "adopt-src");
  const [a, b, c] = await namespacesFor(t, ["adopt-a", "adopt-b", "adopt-c"]);
  const name = uniqueName("db");
  const source = await createSecret(src, name, { password: "v1-adopt" });
  const data = source.data as Record<string, string>;
  await layDown("Secret", a, { name, data, annotations: { [`${F}/reflects`]: `${src}/${name}`, [`${F}/auto-reflects`]: "True", [`${F}/reflected-version`]: source.metadata.resourceVersion!, [`${F}/reflected-at`]: "2026-08-04T21:27:29.1234567+00:00" } }, "reflector");
  const origin = JSON.stringify({ namespace: src, name, uid: source.metadata.uid, resourceVersion: source.metadata.resourceVersion });
  await layDown("Secret", b, { name, data, labels: { [`${K}/origin.name`]: name, [`${K}/origin.namespace`]: src, [`${K}/origin.cluster`]: "unicorn" }, annotations: { [`${K}/origin`]: origin } }, "config-syncer");
  const unmarked = await createSecret(c, name, { password: "someone-else's" });

  const distribution = `/apis/ferry.dev/v1alpha1/namespaces/${src}/distributions`;
  await createResource(distribution, { apiVersion: "ferry.dev/v1alpha1", kind: "Distribution", metadata: { name }, spec: { source: { kind: "Secret", name }, targets: { namespaces: [a, b, c] }, conflict: "adopt" } });
  const ferry = await startTestFerry(t);
  await waitTakenOver("Secret", a, name, "Reflector", [`${F}/reflects`, `${F}/auto-reflects`], (o) => secretValue(o, "password") === "v1-adopt");
  await waitTakenOver("Secret", b, name, "config-syncer", [`${K}/origin`, `${K}/origin.name`], (o) => secretValue(o, "password") === "v1-adopt");
  await waitForTookOver(src, name, "Reflector", `${a}/${name}`);
  await waitForConflict(ferry, c, name);
  await waitFor(async () => ((await getResource(`${distribution}/${name}`))?.status as { takenOver?: number } | undefined)?.takenOver === 2 || undefined, {
    timeoutMs: 30_000,
    description: "the Distribution's status to count the two copies taken over",
  });

  await patchObject("Secret", src, name, { data: { password: b64("v2-adopt") } });
  for (const namespace of [a, b]) await waitFor(async () => secretValue((await getObject("Secret", namespace, name))!, "password") === "v2-adopt" || undefined, { timeoutMs: 30_000, description: `${namespace}/${name} rotated` });
  await ferry.engine.idle();
  await assertUntouched(unmarked, "no marks");

  await deleteObject("Secret", src, name);
  await waitPruned("Secret", [{ namespace: a, name }, { namespace: b, name }]);
  assert.ok(await getObject("Secret", c, name));
});
