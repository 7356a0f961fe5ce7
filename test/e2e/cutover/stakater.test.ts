// Cutover from Stakater's Multi-Tenant Operator (Template + TemplateGroupInstance): MTO writes
// its copies with the mapped Secret's name, type and data and no mark at all, so nothing proves
// them copies. Without consent Ferry reports them as conflicts and leaves them alone; with
// `--take-over-unmarked=stakater` it takes them over, they follow the source and are pruned with
// it. An object carrying another tool's marks is never taken over.
import assert from "node:assert/strict";
import { test } from "node:test";
import { STAKATER_TEMPLATE, STAKATER_TEMPLATE_GROUP_INSTANCE } from "../../../src/dialects/stakater.js";
import { customResourcePath } from "../../../src/kube/collections.js";
import { waitFor } from "../../../src/util/wait-for.js";
import { createNamespace, uniqueName } from "../../support/cluster.js";
import { createResource, createSecret, deleteObject, deleteResource, getObject, getResource, patchObject, startTestFerry } from "../../support/ferry.js";
import { assertUntouched, b64, layDown, namespacesFor, refusedWithoutConsent, waitForConflict, waitForTookOver, waitPruned, waitTakenOver } from "./support.js";

const TOOL = "Stakater Multi-Tenant Operator";
const dockerConfig = (password: string) => JSON.stringify({ auths: { "registry.example.com": { username: "robot", password, auth: b64(`robot:${password}`) } } });

test("Stakater MTO cutover: unmarked copies stay conflicts without consent; with --take-over-unmarked=stakater they are taken over, follow the source and are pruned with it", async (t) => {
  const tenant = uniqueName("tenant");
  const src = await createNamespace(t, "mto-src");
  const [a, b, marked] = await namespacesFor(t, ["mto-a", "mto-b", "mto-marked"], { tenant });
  const name = uniqueName("registry");
  const type = "kubernetes.io/dockerconfigjson";
  const source = await createSecret(src, name, { ".dockerconfigjson": dockerConfig("first-robot-pass") }, { type });
  const template = uniqueName("tpl");
  await createResource(customResourcePath(STAKATER_TEMPLATE), { apiVersion: "tenantoperator.stakater.com/v1alpha1", kind: "Template", metadata: { name: template }, resources: { resourceMappings: { secrets: [{ name, namespace: src }] } } });
  t.after(() => deleteResource(customResourcePath(STAKATER_TEMPLATE, undefined, template)));
  const tgi = uniqueName("tgi");
  const tgiPath = customResourcePath(STAKATER_TEMPLATE_GROUP_INSTANCE, undefined, tgi);
  await createResource(customResourcePath(STAKATER_TEMPLATE_GROUP_INSTANCE), {
    apiVersion: "tenantoperator.stakater.com/v1alpha1",
    kind: "TemplateGroupInstance",
    metadata: { name: tgi },
    spec: { template, selector: { matchLabels: { tenant } }, sync: true },
  });
  t.after(() => deleteResource(tgiPath));
  const copy = { name, type, data: source.data as Record<string, string> };
  const old = [await layDown("Secret", a, copy, "multi-tenant-operator"), await layDown("Secret", b, copy, "multi-tenant-operator")];
  const reflected = await layDown("Secret", marked, { ...copy, annotations: { "reflector.v1.k8s.emberstack.com/reflects": `elsewhere/${name}`, "reflector.v1.k8s.emberstack.com/auto-reflects": "True" } }, "reflector");

  await refusedWithoutConsent(t, "stakater", old);

  const ferry = await startTestFerry(t, { takeOverUnmarked: ["stakater"] });
  for (const namespace of [a, b]) await waitTakenOver("Secret", namespace, name, TOOL, [], (o) => o.type === type);
  await waitForTookOver("default", tgi, TOOL, `${a}/${name}`);
  await waitForConflict(ferry, marked, name);
  await waitFor(async () => ((await getResource(tgiPath))?.status as { takenOver?: number } | undefined)?.takenOver === 2 || undefined, {
    timeoutMs: 30_000,
    description: "the TemplateGroupInstance's status to count the two copies taken over",
  });

  await patchObject("Secret", src, name, { data: { ".dockerconfigjson": b64(dockerConfig("second-robot-pass")) } });
  for (const namespace of [a, b]) await waitTakenOver("Secret", namespace, name, TOOL, [], (o) => Buffer.from((o.data as Record<string, string>)[".dockerconfigjson"]!, "base64").toString().includes("second-robot-pass"));
  await ferry.engine.idle();
  await assertUntouched(reflected, "another tool's marks: consent covers only unmarked objects");

  await deleteObject("Secret", src, name);
  await waitPruned("Secret", [{ namespace: a, name }, { namespace: b, name }]);
  assert.ok(await getObject("Secret", marked, name));
});
