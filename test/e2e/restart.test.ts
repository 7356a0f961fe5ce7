// Invariant 7 for the cases where an answer could live in memory: a referenced object that is
// gone is a state (its copies are pruned), and input Ferry cannot read holds its copies (neither
// updated nor pruned). Each case is decided with Ferry running, then Ferry (a separate process,
// as the chart's ServiceAccount) is SIGKILLed and restarted, and the same case is also made while
// it is down: the answers must be the same. Nothing is remembered, so nothing is lost.
import assert from "node:assert/strict";
import { test, type TestContext } from "node:test";
import { RULE_ID_ANNOTATION } from "../../src/core/marks.js";
import type { KubeObject } from "../../src/kube/informer.js";
import { waitFor } from "../../src/util/wait-for.js";
import { chartKubeconfigFile } from "../support/chart-identity.js";
import { adminClient, createNamespace, uniqueName } from "../support/cluster.js";
import { startFerryProcess, type FerryProcess } from "../support/ferry-process.js";
import {
  b64,
  createResource,
  createSecret,
  deleteObject,
  deleteResource,
  getObject,
  getResource,
  installTestCrds,
  patchObject,
  secretValue,
  testLogPath,
  waitForGone,
  waitForObject,
} from "../support/ferry.js";
import { conditionOf, waitForEvent } from "../support/manifests.js";

const API = "/apis/tenantoperator.stakater.com/v1alpha1";
const templates = `${API}/templates`;
const groupInstances = `${API}/templategroupinstances`;

/** Ferry as a process with the chart's RBAC; stopped when the test ends. */
async function startFerry(t: TestContext): Promise<FerryProcess> {
  await installTestCrds();
  const ferry = await startFerryProcess(await chartKubeconfigFile(), testLogPath(), ["--no-install-crds", "--cluster-name", "local"]);
  t.after(() => ferry.kill("SIGTERM"));
  return ferry;
}

async function template(t: TestContext, name: string, namespace: string, secret: string): Promise<void> {
  await createResource(templates, { apiVersion: "tenantoperator.stakater.com/v1alpha1", kind: "Template", metadata: { name }, resources: { resourceMappings: { secrets: [{ name: secret, namespace }] } } });
  t.after(() => deleteResource(`${templates}/${name}`));
}

async function groupInstance(t: TestContext, name: string, templateName: string, selector: unknown): Promise<void> {
  await createResource(groupInstances, { apiVersion: "tenantoperator.stakater.com/v1alpha1", kind: "TemplateGroupInstance", metadata: { name }, spec: { template: templateName, selector } });
  t.after(() => deleteResource(`${groupInstances}/${name}`));
}

function waitForCondition(name: string, type: string, check: (condition: { status: string; reason: string; message: string }) => boolean = () => true) {
  return waitFor(
    async () => {
      const condition = conditionOf(await getResource(`${groupInstances}/${name}`), type);
      return condition && check(condition) ? condition : undefined;
    },
    { timeoutMs: 60_000, description: `${name}: condition ${type}` },
  );
}

/** What is at each target: value and resourceVersion (an unchanged resourceVersion means no write at all). */
async function snapshot(targets: ReadonlyArray<readonly [string, string]>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [namespace, name] of targets) {
    const object = await getObject("Secret", namespace, name);
    out[`${namespace}/${name}`] = object ? `${secretValue(object, "v")}@${object.metadata.resourceVersion}` : "absent";
  }
  return out;
}

/** A new source for the namespace `a`: once its copy is there, Ferry has planned past every earlier change. */
async function sentinel(src: string, a: string): Promise<void> {
  const name = uniqueName("sentinel");
  await createSecret(src, name, { v: "s" }, { annotations: { "ferry.dev/sync-to": a } });
  await waitForObject("Secret", a, name, () => true, 60_000);
}

test("a Template that is gone is a state: its instance's copies are pruned (TemplateNotFound), the same whether it went while Ferry ran or while it was down", async (t) => {
  const label = uniqueName("tpl");
  const src = await createNamespace(t, "src");
  const a = await createNamespace(t, "a", { [label]: "yes" });
  const b = await createNamespace(t, "b", { [label]: "yes" });
  await createSecret(src, "one", { v: "1" });
  await createSecret(src, "two", { v: "2" });
  const [t1, t2, g1, g2] = ["t1", "t2", "g1", "g2"].map((part) => uniqueName(`restart-${part}`)) as [string, string, string, string];
  await template(t, t1, src, "one");
  await template(t, t2, src, "two");
  await groupInstance(t, g1, t1, { matchLabels: { [label]: "yes" } });
  await groupInstance(t, g2, t2, { matchLabels: { [label]: "yes" } });
  const ferry = await startFerry(t);
  for (const ns of [a, b]) for (const name of ["one", "two"]) await waitForObject("Secret", ns, name, () => true, 60_000);

  // Ferry running: the Template goes, the copies go, the instance says why.
  await deleteResource(`${templates}/${t1}`);
  for (const ns of [a, b]) await waitForGone("Secret", ns, "one", 60_000);
  await waitForCondition(g1, "TemplateNotFound", (c) => c.status === "True");

  // Ferry down: the other Template goes; after the restart the answer is the same.
  await ferry.kill("SIGKILL");
  await deleteResource(`${templates}/${t2}`);
  await startFerry(t);
  for (const ns of [a, b]) await waitForGone("Secret", ns, "two", 60_000);
  await waitForCondition(g2, "TemplateNotFound", (c) => c.status === "True");
  await sentinel(src, a);
  for (const ns of [a, b]) assert.equal(await getObject("Secret", ns, "one"), undefined, "the restart did not bring the first instance's copies back");
  const conditions = async (name: string) => ((await getResource(`${groupInstances}/${name}`))?.status as { conditions: Array<{ type: string; reason: string; status: string }> }).conditions.map((c) => `${c.type}=${c.status}/${c.reason}`).sort();
  assert.deepEqual(await conditions(g1), await conditions(g2), "both instances report the same state");

  // The state ends when the Template is back.
  await template(t, t1, src, "one");
  for (const ns of [a, b]) await waitForObject("Secret", ns, "one", (o) => secretValue(o, "v") === "1", 60_000);
});

test("unreadable input holds its copies, neither updated nor pruned, the same whether it broke while Ferry ran or while it was down; fixing or deleting it ends the hold", async (t) => {
  const label = uniqueName("held");
  const src = await createNamespace(t, "src");
  const a = await createNamespace(t, "a", { [label]: "yes" });
  const b = await createNamespace(t, "b", { [label]: "yes" });
  const selector = `${label}=yes`;
  // Three inputs, each with copies in a and b: annotations, a list with a regex, a TemplateGroupInstance.
  await createSecret(src, "by-annotation", { v: "1" }, { annotations: { "ferry.dev/sync-to-selector": selector } });
  await createSecret(src, "by-list", { v: "1" }, { annotations: { "replicator.v1.mittwald.de/replicate-to": `${a},${b}` } });
  await createSecret(src, "by-template", { v: "1" });
  const tpl = uniqueName("restart-held");
  await template(t, tpl, src, "by-template");
  await groupInstance(t, tpl, tpl, { matchLabels: { [label]: "yes" } });
  const ferry = await startFerry(t);
  const targets = [a, b].flatMap((ns) => ["by-annotation", "by-list", "by-template"].map((name) => [ns, name] as const));
  for (const [ns, name] of targets) await waitForObject("Secret", ns, name, (o) => secretValue(o, "v") === "1", 60_000);

  // Ferry running: the annotation's selector stops parsing, the list loses b to an invalid regex;
  // both sources change.
  await patchObject("Secret", src, "by-annotation", { metadata: { annotations: { "ferry.dev/sync-to-selector": `${label} in (unclosed` } }, data: { v: b64("2") } });
  await patchObject("Secret", src, "by-list", { metadata: { annotations: { "replicator.v1.mittwald.de/replicate-to": `${a},[b-` } }, data: { v: b64("2") } });
  await waitForEvent(src, "by-annotation", "InvalidSelector", undefined, 60_000);
  await waitForEvent(src, "by-annotation", "CopiesHeld", /2 copies/, 60_000);
  await waitForEvent(src, "by-list", "CopiesHeld", /1 copy/, 60_000);
  // The list's remaining namespace follows the source; everything else stays as it was.
  await waitForObject("Secret", a, "by-list", (o) => secretValue(o, "v") === "2", 60_000);
  await sentinel(src, a);
  const held = await snapshot(targets);
  assert.deepEqual(
    Object.fromEntries(Object.entries(held).map(([key, value]) => [key, value.split("@")[0]])),
    { [`${a}/by-annotation`]: "1", [`${b}/by-annotation`]: "1", [`${a}/by-list`]: "2", [`${b}/by-list`]: "1", [`${a}/by-template`]: "1", [`${b}/by-template`]: "1" },
    "held copies are neither updated nor pruned",
  );
  for (const [ns, name] of targets) {
    const copy = await getObject("Secret", ns, name);
    assert.ok(copy?.metadata.annotations?.[RULE_ID_ANNOTATION], `${ns}/${name} is still a Ferry copy`);
  }

  // Ferry down: the TemplateGroupInstance's selector breaks and its source changes.
  await ferry.kill("SIGKILL");
  await (await adminClient()).request("PATCH", `${groupInstances}/${tpl}`, {
    body: { spec: { selector: { matchExpressions: [{ key: label, operator: "Near", values: ["yes"] }] } } },
    contentType: "application/merge-patch+json",
  });
  await patchObject("Secret", src, "by-template", { data: { v: b64("2") } });
  await startFerry(t);
  // The restarted Ferry holds the TemplateGroupInstance's copies as the first held the others.
  await waitForCondition(tpl, "CopiesHeld", (c) => c.status === "True" && /2 copies/.test(c.message));
  await waitForCondition(tpl, "InvalidSelector", (c) => c.status === "True");
  await sentinel(src, a);
  assert.deepEqual(await snapshot(targets), held, "after the restart every held copy is exactly as it was: no update, no delete");
  await waitForEvent(src, "by-annotation", "CopiesHeld", /2 copies/, 60_000);

  // Fixing the input ends the hold (its rules decide again); deleting the object prunes its copies.
  await patchObject("Secret", src, "by-annotation", { metadata: { annotations: { "ferry.dev/sync-to-selector": selector } } });
  for (const ns of [a, b]) await waitForObject("Secret", ns, "by-annotation", (o) => secretValue(o, "v") === "2", 60_000);
  await deleteObject("Secret", src, "by-list");
  for (const ns of [a, b]) await waitForGone("Secret", ns, "by-list", 60_000);
  await deleteResource(`${groupInstances}/${tpl}`);
  for (const ns of [a, b]) await waitForGone("Secret", ns, "by-template", 60_000);
  const copies = (await (await adminClient()).get<{ items: KubeObject[] }>(`/api/v1/namespaces/${b}/secrets`)).items.filter((o) => o.metadata.annotations?.[RULE_ID_ANNOTATION]);
  assert.deepEqual(copies.map((o) => o.metadata.name), ["by-annotation"]);
});
