// Cutover from config-syncer / Kubed (v0.14.0-rc.0): its copies (the source's name, type, data,
// labels and annotations, plus the origin labels and the origin annotation with the source's uid)
// are taken over by the kubed dialect under the default policy, follow the source and are pruned
// with it. The source itself, which config-syncer marks as its own origin, stays a source; a copy
// of an earlier object of the same name (another uid) is left alone.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createNamespace, uniqueName } from "../../support/cluster.js";
import { createConfigMap, deleteObject, getObject, patchObject, startTestFerry } from "../../support/ferry.js";
import { assertUntouched, layDown, namespacesFor, waitForConflict, waitForTookOver, waitPruned, waitTakenOver } from "./support.js";

const K = "kubed.appscode.com";
const MARKS = [`${K}/origin`];

test("config-syncer cutover: its copies are taken over, follow the source and are pruned with it; a copy of an earlier source is not", async (t) => {
  const selector = uniqueName("cutover");
  const src = await createNamespace(t, "cs-src", { [selector]: "yes" });
  const [a, b, earlier] = await namespacesFor(t, ["cs-a", "cs-b", "cs-earlier"], { [selector]: "yes" });
  const name = uniqueName("omni");
  const source = await createConfigMap(src, name, { setting: "v1" }, { labels: { team: "platform" }, annotations: { [`${K}/sync`]: `${selector}=yes`, "example.com/note": "an annotation of the source" } });
  const origin = (uid: string) => ({
    [`${K}/origin`]: JSON.stringify({ namespace: src, name, uid, resourceVersion: source.metadata.resourceVersion }),
  });
  const originLabels = { [`${K}/origin.cluster`]: "unicorn", [`${K}/origin.name`]: name, [`${K}/origin.namespace`]: src };
  // config-syncer marks the source too, pointing at itself (validated on the binary).
  await patchObject("ConfigMap", src, name, { metadata: { labels: originLabels, annotations: origin(source.metadata.uid!) } });
  const copy = (uid: string) => ({
    name,
    labels: { team: "platform", ...originLabels },
    annotations: { "example.com/note": "an annotation of the source", ...origin(uid) },
    data: { setting: "v1" },
  });
  await layDown("ConfigMap", a, copy(source.metadata.uid!), "config-syncer");
  await layDown("ConfigMap", b, copy(source.metadata.uid!), "config-syncer");
  const stale = await layDown("ConfigMap", earlier, copy("0e8f3b1c-0000-4000-8000-000000000000"), "config-syncer");

  const ferry = await startTestFerry(t);
  for (const namespace of [a, b]) {
    const taken = await waitTakenOver("ConfigMap", namespace, name, "config-syncer", MARKS, (o) => (o.data as Record<string, string>).setting === "v1");
    assert.equal(taken.metadata.labels?.[`${K}/origin.name`], name, "the dialect's copies keep config-syncer's origin labels for tooling");
  }
  await waitForTookOver(src, name, "config-syncer", `${a}/${name}`);
  const conflict = await waitForConflict(ferry, earlier, name);
  assert.match(conflict.message, /another object of that name/);

  const rotated = await patchObject("ConfigMap", src, name, { data: { setting: "v2" } });
  for (const namespace of [a, b]) await waitTakenOver("ConfigMap", namespace, name, "config-syncer", MARKS, (o) => (o.data as Record<string, string>).setting === "v2");
  await ferry.engine.idle();
  await assertUntouched(stale, "a copy of an earlier object of the same name");
  const sourceNow = (await getObject("ConfigMap", src, name))!;
  assert.equal(sourceNow.metadata.resourceVersion, rotated.metadata.resourceVersion, "the self-marked source stays a source: Ferry never writes it");

  await deleteObject("ConfigMap", src, name);
  await waitPruned("ConfigMap", [{ namespace: a, name }, { namespace: b, name }]);
  assert.ok(await getObject("ConfigMap", earlier, name));
});
