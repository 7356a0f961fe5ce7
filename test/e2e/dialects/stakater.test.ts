// Stakater Multi-Tenant Operator templates (seeds/stakater-mto-template.md) on the real control
// plane: the seed's Template + TemplateGroupInstance verbatim, namespaces labelled now and later,
// updates pushed and copies kept in sync, TemplateInstance, and what Ferry refuses (manifests,
// helm) or cannot do (missing Template, missing source, bad selector) reported in status.
import assert from "node:assert/strict";
import { test } from "node:test";
import { MANAGED_BY_LABEL } from "../../../src/core/marks.js";
import type { KubeObject } from "../../../src/kube/informer.js";
import { waitFor } from "../../../src/util/wait-for.js";
import { adminClient, createNamespace, uniqueName } from "../../support/cluster.js";
import {
  b64,
  createConfigMap,
  createResource,
  createSecret,
  deleteObject,
  deleteResource,
  getObject,
  getResource,
  patchObject,
  secretValue,
  startTestFerry,
  waitForGone,
  waitForObject,
} from "../../support/ferry.js";
import { applyManifest, conditionOf, copiesOfSource, labelNamespace, namespacesWith, waitForEvent, waitForNoCopies, type Condition } from "../../support/manifests.js";
import { STAKATER_TEMPLATE, STAKATER_TEMPLATE_GROUP_INSTANCE } from "../../support/seed-documents.js";

// The seed's two manifests, verbatim.
const TEMPLATE = STAKATER_TEMPLATE;

const TEMPLATE_GROUP_INSTANCE = STAKATER_TEMPLATE_GROUP_INSTANCE;

const API = "/apis/tenantoperator.stakater.com/v1alpha1";
const templates = `${API}/templates`;
const groupInstances = `${API}/templategroupinstances`;
const instances = (ns: string) => `${API}/namespaces/${ns}/templateinstances`;
const dockerConfig = (password: string) => JSON.stringify({ auths: { "registry.example.com": { username: "ci", password } } });
const password = (object: KubeObject) => (JSON.parse(secretValue(object, ".dockerconfigjson") ?? "{}") as { auths: Record<string, { password: string }> }).auths["registry.example.com"]?.password;

/** Waits for a condition of a custom resource to satisfy `check`; returns the condition. */
function waitForCondition(path: string, type: string, check: (condition: Condition) => boolean, description: string): Promise<Condition> {
  return waitFor(
    async () => {
      const condition = conditionOf(await getResource(path), type);
      return condition && check(condition) ? condition : undefined;
    },
    { timeoutMs: 30_000, description },
  );
}

async function createRegistrySecret(t: { after: (fn: () => Promise<void>) => void }, namespace: string, name: string, pass = "first"): Promise<void> {
  await createSecret(namespace, name, { ".dockerconfigjson": dockerConfig(pass) }, { type: "kubernetes.io/dockerconfigjson" });
  t.after(() => deleteObject("Secret", namespace, name));
}

test("seed: the Template + TemplateGroupInstance put `registry` into every namespace labelled kind=registry, also new ones; updates are pushed and copies kept in sync", async (t) => {
  await startTestFerry(t);
  await createRegistrySecret(t, "default", "registry");
  const ns1 = await createNamespace(t, "example-ns-1", { kind: "registry" });
  const ns2 = await createNamespace(t, "example-ns-2", { kind: "registry" });
  const other = await createNamespace(t, "other");
  await applyManifest(TEMPLATE, { t });
  const tgi = await applyManifest(TEMPLATE_GROUP_INSTANCE, { t });
  const path = tgi.objects[0]!.path;

  for (const ns of [ns1, ns2]) {
    const copy = await waitForObject("Secret", ns, "registry");
    assert.equal(copy.type, "kubernetes.io/dockerconfigjson");
    assert.equal(password(copy), "first");
    assert.equal(copy.metadata.labels?.[MANAGED_BY_LABEL], "ferry");
    assert.equal(await getObject("Secret", ns, "registry-secret"), undefined, "copies keep the source's name, not the Template's");
  }
  const ready = await waitForCondition(path, "Ready", (c) => c.status === "True", "TemplateGroupInstance Ready");
  assert.equal(ready.reason, "Synced");
  assert.equal(await getObject("Secret", other, "registry"), undefined, "unlabelled namespaces get nothing");

  // "Any time there is any new namespace created with these set of labels, will get these secrets too."
  const ns3 = await createNamespace(t, "example-ns-3", { kind: "registry" });
  await waitForObject("Secret", ns3, "registry");
  await labelNamespace(other, { kind: "registry" });
  await waitForObject("Secret", other, "registry");

  // "It will also push updates to the copied Secrets and keep the propagated secrets always sync."
  await patchObject("Secret", "default", "registry", { data: { ".dockerconfigjson": b64(dockerConfig("rotated")) } });
  for (const ns of [ns1, ns2, ns3, other]) await waitForObject("Secret", ns, "registry", (o) => password(o) === "rotated");
  await patchObject("Secret", ns1, "registry", { data: { ".dockerconfigjson": b64(dockerConfig("edited-by-hand")) } });
  await waitForObject("Secret", ns1, "registry", (o) => password(o) === "rotated");
  await deleteObject("Secret", ns2, "registry");
  await waitForObject("Secret", ns2, "registry", (o) => password(o) === "rotated");

  await waitFor(
    async () => {
      const status = (await getResource(path))?.status as { desired?: number; synced?: number } | undefined;
      return (status?.desired === 4 && status.synced === 4) || undefined;
    },
    { timeoutMs: 30_000, description: "status desired 4, synced 4" },
  );
  assert.deepEqual(await namespacesWith("Secret", copiesOfSource("default", "registry")), [ns1, ns2, ns3, other].sort());

  await deleteResource(path);
  await waitForNoCopies("Secret", copiesOfSource("default", "registry"));
  assert.ok(await getObject("Secret", "default", "registry"), "the source is never touched");
});

test("TemplateGroupInstance: removing the label prunes the copy; sync: false still keeps copies current (documented difference); an unmanaged Secret is left alone", async (t) => {
  await startTestFerry(t);
  const srcNs = await createNamespace(t, "src");
  const label = uniqueName("tenant");
  await createRegistrySecret(t, srcNs, "regcred");
  const a = await createNamespace(t, "a", { tenant: label });
  const b = await createNamespace(t, "b", { tenant: label });
  const theirs = await createSecret(b, "regcred", { mine: "yes" });
  const template = uniqueName("tpl");
  await createResource(templates, { apiVersion: "tenantoperator.stakater.com/v1alpha1", kind: "Template", metadata: { name: template }, resources: { resourceMappings: { secrets: [{ name: "regcred", namespace: srcNs }] } } });
  t.after(() => deleteResource(`${templates}/${template}`));
  const name = uniqueName("tgi");
  await createResource(groupInstances, {
    apiVersion: "tenantoperator.stakater.com/v1alpha1",
    kind: "TemplateGroupInstance",
    metadata: { name },
    spec: { template, selector: { matchLabels: { tenant: label } }, sync: false },
  });
  t.after(() => deleteResource(`${groupInstances}/${name}`));
  await waitForObject("Secret", a, "regcred");
  await waitForCondition(`${groupInstances}/${name}`, "Ready", (c) => c.reason === "Conflict", "Conflict reported for b");
  await waitForEvent("default", name, "UnmanagedObjectExists", new RegExp(`${b}/regcred`));
  assert.equal((await getObject("Secret", b, "regcred"))?.metadata.resourceVersion, theirs.metadata.resourceVersion);

  await patchObject("Secret", srcNs, "regcred", { data: { ".dockerconfigjson": b64(dockerConfig("second")) } });
  await waitForObject("Secret", a, "regcred", (o) => password(o) === "second");

  await labelNamespace(a, { tenant: null });
  await waitForGone("Secret", a, "regcred");
  assert.ok(await getObject("Secret", b, "regcred"), "the unmanaged Secret is never deleted");

  // Editing the Template changes what its instances copy: a new mapping is added, the old one pruned.
  const c = await createNamespace(t, "c", { tenant: label });
  await waitForObject("Secret", c, "regcred");
  await createConfigMap(srcNs, "settings", { k: "v" });
  await (await adminClient()).request("PATCH", `${templates}/${template}`, {
    body: { resources: { resourceMappings: { secrets: null, configMaps: [{ name: "settings", namespace: srcNs }] } } },
    contentType: "application/merge-patch+json",
  });
  await waitForObject("ConfigMap", c, "settings");
  await waitForGone("Secret", c, "regcred");
});

test("TemplateInstance (namespaced) copies the Template's Secrets and ConfigMaps into its own namespace only; deleting it removes them", async (t) => {
  await startTestFerry(t);
  const srcNs = await createNamespace(t, "src");
  const build = await createNamespace(t, "build");
  const bystander = await createNamespace(t, "bystander");
  await createRegistrySecret(t, srcNs, "regcred");
  await createConfigMap(srcNs, "ca-bundle", { "ca.crt": "---cert---" });
  const template = uniqueName("tpl");
  await createResource(templates, {
    apiVersion: "tenantoperator.stakater.com/v1alpha1",
    kind: "Template",
    metadata: { name: template },
    resources: { resourceMappings: { secrets: [{ name: "regcred", namespace: srcNs }], configMaps: [{ name: "ca-bundle", namespace: srcNs }] } },
  });
  t.after(() => deleteResource(`${templates}/${template}`));
  await createResource(instances(build), { apiVersion: "tenantoperator.stakater.com/v1alpha1", kind: "TemplateInstance", metadata: { name: "tools" }, spec: { template, sync: true } });
  t.after(() => deleteResource(`${instances(build)}/tools`));

  await waitForObject("Secret", build, "regcred", (o) => password(o) === "first");
  await waitForObject("ConfigMap", build, "ca-bundle", (o) => (o.data as Record<string, string>)["ca.crt"] === "---cert---");
  await waitForCondition(`${instances(build)}/tools`, "Ready", (c) => c.status === "True", "TemplateInstance Ready");
  assert.deepEqual(await namespacesWith("Secret", copiesOfSource(srcNs, "regcred")), [build]);
  assert.equal(await getObject("Secret", bystander, "regcred"), undefined);

  await deleteResource(`${instances(build)}/tools`);
  await waitForGone("Secret", build, "regcred");
  await waitForGone("ConfigMap", build, "ca-bundle");
});

test("a Template with raw manifests or helm is refused with UnsupportedTemplateFeature on the TemplateGroupInstance and TemplateInstance (and an Event); its mapped Secrets are still copied", async (t) => {
  await startTestFerry(t);
  const srcNs = await createNamespace(t, "src");
  const label = uniqueName("team");
  const a = await createNamespace(t, "a", { team: label });
  const own = await createNamespace(t, "own");
  await createRegistrySecret(t, srcNs, "regcred");
  const mixed = uniqueName("mixed-tpl");
  await createResource(templates, {
    apiVersion: "tenantoperator.stakater.com/v1alpha1",
    kind: "Template",
    metadata: { name: mixed },
    resources: {
      manifests: [{ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "deployer" } }],
      resourceMappings: { secrets: [{ name: "regcred", namespace: srcNs }] },
    },
  });
  t.after(() => deleteResource(`${templates}/${mixed}`));
  const helmOnly = uniqueName("helm-tpl");
  await createResource(templates, {
    apiVersion: "tenantoperator.stakater.com/v1alpha1",
    kind: "Template",
    metadata: { name: helmOnly },
    resources: { helm: { releaseName: "redis", chart: { repository: { name: "redis", repoUrl: "https://charts.bitnami.com/bitnami" } } } },
  });
  t.after(() => deleteResource(`${templates}/${helmOnly}`));
  const tgi = uniqueName("tgi");
  await createResource(groupInstances, { apiVersion: "tenantoperator.stakater.com/v1alpha1", kind: "TemplateGroupInstance", metadata: { name: tgi }, spec: { template: mixed, selector: { matchLabels: { team: label } }, sync: true } });
  t.after(() => deleteResource(`${groupInstances}/${tgi}`));
  await createResource(instances(own), { apiVersion: "tenantoperator.stakater.com/v1alpha1", kind: "TemplateInstance", metadata: { name: "redis" }, spec: { template: helmOnly, sync: true } });
  t.after(() => deleteResource(`${instances(own)}/redis`));

  const onTgi = await waitForCondition(`${groupInstances}/${tgi}`, "UnsupportedTemplateFeature", (c) => c.status === "True", "UnsupportedTemplateFeature on the TGI");
  assert.match(onTgi.message, /resources\.manifests \(1 manifest\)/);
  const tgiReady = conditionOf(await getResource(`${groupInstances}/${tgi}`), "Ready");
  assert.deepEqual([tgiReady?.status, tgiReady?.reason], ["False", "UnsupportedTemplateFeature"]);
  await waitForObject("Secret", a, "regcred");
  await waitForEvent("default", tgi, "UnsupportedTemplateFeature");

  const onTi = await waitForCondition(`${instances(own)}/redis`, "UnsupportedTemplateFeature", (c) => c.status === "True", "UnsupportedTemplateFeature on the TemplateInstance");
  assert.match(onTi.message, /resources\.helm/);
  await waitForEvent(own, "redis", "UnsupportedTemplateFeature");
  const accounts = await (await adminClient()).get<{ items: KubeObject[] }>(`/api/v1/namespaces/${a}/serviceaccounts`);
  assert.deepEqual(accounts.items.map((sa) => sa.metadata.name).filter((n) => n === "deployer"), [], "no manifest applied");
});

test("bad input: missing Template, missing source, missing or invalid selector -> status conditions and Events; nothing written; the Template created later is picked up", async (t) => {
  const ferry = await startTestFerry(t);
  const srcNs = await createNamespace(t, "src");
  const label = uniqueName("team");
  const a = await createNamespace(t, "a", { team: label });
  const tpl = uniqueName("later-tpl");
  const noTemplate = uniqueName("no-template");
  await createResource(groupInstances, { apiVersion: "tenantoperator.stakater.com/v1alpha1", kind: "TemplateGroupInstance", metadata: { name: noTemplate }, spec: { template: tpl, selector: { matchLabels: { team: label } } } });
  t.after(() => deleteResource(`${groupInstances}/${noTemplate}`));
  const missingTpl = uniqueName("missing-src-tpl");
  await createResource(templates, { apiVersion: "tenantoperator.stakater.com/v1alpha1", kind: "Template", metadata: { name: missingTpl }, resources: { resourceMappings: { secrets: [{ name: "does-not-exist", namespace: srcNs }] } } });
  t.after(() => deleteResource(`${templates}/${missingTpl}`));
  const missingSrc = uniqueName("missing-src");
  await createResource(groupInstances, { apiVersion: "tenantoperator.stakater.com/v1alpha1", kind: "TemplateGroupInstance", metadata: { name: missingSrc }, spec: { template: missingTpl, selector: { matchLabels: { team: label } } } });
  t.after(() => deleteResource(`${groupInstances}/${missingSrc}`));
  const badSelector = uniqueName("bad-selector");
  await createResource(groupInstances, {
    apiVersion: "tenantoperator.stakater.com/v1alpha1",
    kind: "TemplateGroupInstance",
    metadata: { name: badSelector },
    spec: { template: missingTpl, selector: { matchExpressions: [{ key: "team", operator: "Near", values: [label] }] } },
  });
  t.after(() => deleteResource(`${groupInstances}/${badSelector}`));
  const noSelector = uniqueName("no-selector");
  await createResource(groupInstances, { apiVersion: "tenantoperator.stakater.com/v1alpha1", kind: "TemplateGroupInstance", metadata: { name: noSelector }, spec: { template: missingTpl } });
  t.after(() => deleteResource(`${groupInstances}/${noSelector}`));

  assert.match((await waitForCondition(`${groupInstances}/${noTemplate}`, "TemplateNotFound", (c) => c.status === "True", "TemplateNotFound")).message, new RegExp(tpl));
  await waitForEvent("default", noTemplate, "TemplateNotFound");
  const missing = await waitForCondition(`${groupInstances}/${missingSrc}`, "Ready", (c) => c.reason === "SourceNotFound", "SourceNotFound");
  assert.match(missing.message, new RegExp(`${srcNs}/does-not-exist`));
  await waitForEvent("default", missingSrc, "SourceNotFound");
  await waitForCondition(`${groupInstances}/${badSelector}`, "InvalidSelector", (c) => c.status === "True", "InvalidSelector");
  await waitForEvent("default", badSelector, "InvalidSelector", /unknown operator/);
  await waitForCondition(`${groupInstances}/${noSelector}`, "InvalidSpec", (c) => /selector is missing/.test(c.message), "InvalidSpec");

  await ferry.engine.idle();
  // A missing source is a state of the rule, not a target Ferry tried and failed to write: no
  // copy is wanted, none is attempted, nothing is reported as failed.
  const report = ferry.engine.reports().reports.find((entry) => entry.rule.origin.name === missingSrc);
  assert.deepEqual(
    report && { problem: report.problem?.reason, desired: report.desired, failed: report.failed, outcomes: report.outcomes },
    { problem: "SourceNotFound", desired: 0, failed: 0, outcomes: [] },
  );
  const missingStatus = (await getResource(`${groupInstances}/${missingSrc}`))?.status as { desired: number; failed: number };
  assert.deepEqual([missingStatus.desired, missingStatus.failed], [0, 0]);
  assert.ok(ferry.engine.isReady(), "no crash");

  // The mapped Secret is created after the Template: its copies follow.
  await createRegistrySecret(t, srcNs, "does-not-exist");
  await waitForObject("Secret", a, "does-not-exist");
  await waitForCondition(`${groupInstances}/${missingSrc}`, "Ready", (c) => c.status === "True", "Ready once the source exists");
  // And when it goes again, so do its copies (a state, as in whisperer: the mirrors follow the source).
  await deleteObject("Secret", srcNs, "does-not-exist");
  await waitForGone("Secret", a, "does-not-exist");
  await waitForCondition(`${groupInstances}/${missingSrc}`, "Ready", (c) => c.reason === "SourceNotFound", "SourceNotFound once the source is gone again");

  // The Template appears later: the instance that named it starts working.
  await createRegistrySecret(t, srcNs, "regcred");
  await createResource(templates, { apiVersion: "tenantoperator.stakater.com/v1alpha1", kind: "Template", metadata: { name: tpl }, resources: { resourceMappings: { secrets: [{ name: "regcred", namespace: srcNs }] } } });
  t.after(() => deleteResource(`${templates}/${tpl}`));
  await waitForObject("Secret", a, "regcred");
  await waitForCondition(`${groupInstances}/${noTemplate}`, "Ready", (c) => c.status === "True", "Ready once the Template exists");
  const gone = conditionOf(await getResource(`${groupInstances}/${noTemplate}`), "TemplateNotFound");
  assert.equal(gone, undefined, "the TemplateNotFound condition is dropped");
});
