// Cutover from OpenKruise's ResourceDistribution (v1.9.0): its copies (`spec.resource`'s name and
// content; the `resource.from` and `resource.hashcode` annotations; the ResourceDistribution as
// controller owner) are taken over by the kruise-rd dialect under the default policy. The takeover
// drops the owner reference (or Kubernetes' garbage collector would delete the copies with the
// ResourceDistribution); the copies follow the resource, and deleting the ResourceDistribution
// prunes them. An unmarked object of the copy's name is left alone.
import assert from "node:assert/strict";
import { test } from "node:test";
import { RESOURCE_DISTRIBUTION } from "../../../src/dialects/kruise-resource-distribution.js";
import { customResourcePath } from "../../../src/kube/collections.js";
import type { KubeObject } from "../../../src/kube/informer.js";
import { waitFor } from "../../../src/util/wait-for.js";
import { createConfigMap, createResource, deleteResource, getObject, getResource, startTestFerry } from "../../support/ferry.js";
import { adminClient, uniqueName } from "../../support/cluster.js";
import { assertUntouched, layDown, namespacesFor, waitForConflict, waitForTookOver, waitPruned, waitTakenOver } from "./support.js";

const MARKS = ["kruise.io/resourcedistribution.resource.from", "kruise.io/resourcedistribution.resource.hashcode"];

test("OpenKruise ResourceDistribution cutover: its copies are taken over (owner reference dropped), follow the resource and are pruned with it", async (t) => {
  const [a, b, unrelated] = await namespacesFor(t, ["rd-a", "rd-b", "rd-other"]);
  const rdName = uniqueName("game");
  const copyName = uniqueName("game-demo");
  const spec = (lives: string) => ({
    resource: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: copyName }, data: { player_initial_lives: lives } },
    targets: { includedNamespaces: { list: [{ name: a }, { name: b }, { name: unrelated }] } },
  });
  const path = customResourcePath(RESOURCE_DISTRIBUTION, undefined, rdName);
  const rd = await createResource(customResourcePath(RESOURCE_DISTRIBUTION), { apiVersion: "apps.kruise.io/v1alpha1", kind: "ResourceDistribution", metadata: { name: rdName }, spec: spec("3") });
  t.after(() => deleteResource(path));
  const copy = {
    name: copyName,
    annotations: { "kruise.io/resourcedistribution.resource.from": rdName, "kruise.io/resourcedistribution.resource.hashcode": "5c1f2d3e4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d" },
    ownerReferences: [{ apiVersion: "apps.kruise.io/v1alpha1", kind: "ResourceDistribution", name: rdName, uid: rd.metadata.uid, controller: true, blockOwnerDeletion: true }],
    data: { player_initial_lives: "3" },
  };
  await layDown("ConfigMap", a, copy, "kruise-manager");
  await layDown("ConfigMap", b, copy, "kruise-manager");
  const other = await createConfigMap(unrelated, copyName, { player_initial_lives: "99" });

  const ferry = await startTestFerry(t);
  for (const namespace of [a, b]) await waitTakenOver("ConfigMap", namespace, copyName, "OpenKruise", MARKS, (o) => (o.data as Record<string, string>).player_initial_lives === "3");
  await waitForTookOver("default", rdName, "OpenKruise", `${a}/${copyName}`);
  await waitForConflict(ferry, unrelated, copyName);
  await waitFor(async () => ((await getResource(path))?.status as { takenOver?: number } | undefined)?.takenOver === 2 || undefined, {
    timeoutMs: 30_000,
    description: "the ResourceDistribution's status to count the two copies taken over",
  });

  // A merge patch of the spec: Ferry writes the resource's status meanwhile, so a read-then-PUT could conflict.
  await (await adminClient()).request<KubeObject>("PATCH", path, { body: { spec: spec("5") }, contentType: "application/merge-patch+json" });
  for (const namespace of [a, b]) await waitTakenOver("ConfigMap", namespace, copyName, "OpenKruise", MARKS, (o) => (o.data as Record<string, string>).player_initial_lives === "5");
  await ferry.engine.idle();
  await assertUntouched(other, "no marks");

  await deleteResource(path);
  await waitPruned("ConfigMap", [{ namespace: a, name: copyName }, { namespace: b, name: copyName }]);
  assert.ok(await getObject("ConfigMap", unrelated, copyName));
});
