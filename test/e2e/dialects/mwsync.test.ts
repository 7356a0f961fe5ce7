// secret-replicator-eks (seeds/secret-replicator-eks.md) on the real control plane. The seed has
// no manifest: it describes Secrets and ConfigMaps in the operator's namespace annotated
// "mw_sec/sync: true" or "mw-sync: yes", replicated into every namespace (new ones included)
// and kept current when credentials change. Ferry's operator namespace is ferry-system.
import assert from "node:assert/strict";
import { test } from "node:test";
import { isApiError } from "../../../src/kube/client.js";
import { waitFor } from "../../../src/util/wait-for.js";
import { createNamespace, uniqueName } from "../../support/cluster.js";
import {
  b64,
  createConfigMap,
  createSecret,
  deleteObject,
  getObject,
  patchObject,
  secretValue,
  startTestFerry,
  waitForObject,
} from "../../support/ferry.js";
import { activeNamespaces, applyManifest, copiesOfSource, namespacesWith, waitForEvent, waitForNoCopies } from "../../support/manifests.js";

const FERRY_NS = "ferry-system";
const PROTECTED = ["kube-system", "kube-public", "kube-node-lease", FERRY_NS];

// The seed's two annotations on a registry Secret in the operator's namespace (the example of
// docs/dialects.md). Values are quoted: unquoted `yes`/`true` are YAML booleans, which an
// annotation (a string) cannot hold.
const MW_SYNC = `apiVersion: v1
kind: Secret
metadata:
  name: regcred
  namespace: ferry-system       # Ferry's own namespace
  annotations:
    mw-sync: "yes"
type: kubernetes.io/dockerconfigjson
data:
  .dockerconfigjson: e30K
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: registry-mirror
  namespace: ferry-system
  annotations:
    mw-sync: "yes"
data:
  mirror: https://mirror.example.com
`;

const MW_SEC_SYNC = `apiVersion: v1
kind: Secret
metadata:
  name: regcred-sec
  namespace: ferry-system
  annotations:
    mw_sec/sync: "true"
type: kubernetes.io/dockerconfigjson
data:
  .dockerconfigjson: e30K
`;

/** Waits until every active, unprotected namespace holds a copy matching the selector. */
async function waitEverywhere(kind: "Secret" | "ConfigMap", selector: string, description: string): Promise<void> {
  await waitFor(
    async () => {
      const have = new Set(await namespacesWith(kind, selector));
      return (await activeNamespaces()).filter((ns) => !PROTECTED.includes(ns)).every((ns) => have.has(ns));
    },
    { timeoutMs: 30_000, description },
  );
}

test("seed: mw-sync: \"yes\" in ferry-system fans a Secret and a ConfigMap out to every namespace, new ones too, and follows updates; mw_sec/sync is rejected by the API server", async (t) => {
  await startTestFerry(t);
  const existing = await createNamespace(t, "app");
  await applyManifest(MW_SYNC, { t });
  const secrets = copiesOfSource(FERRY_NS, "regcred");
  const configMaps = copiesOfSource(FERRY_NS, "registry-mirror");
  await waitEverywhere("Secret", secrets, "regcred in every namespace");
  await waitEverywhere("ConfigMap", configMaps, "registry-mirror in every namespace");
  const copy = await waitForObject("Secret", existing, "regcred");
  assert.equal(copy.type, "kubernetes.io/dockerconfigjson");
  assert.equal(secretValue(copy, ".dockerconfigjson"), "{}\n");
  assert.equal(copy.metadata.annotations?.["mw-sync"], undefined, "a copy never looks like a source");
  assert.ok(await getObject("Secret", "default", "regcred"));
  for (const ns of PROTECTED.filter((n) => n !== FERRY_NS)) {
    assert.equal(await getObject("Secret", ns, "regcred"), undefined, `${ns} stays protected`);
    assert.equal(await getObject("ConfigMap", ns, "registry-mirror"), undefined, `${ns} stays protected`);
  }

  // "Any time a namespace is created the secret has to be manually created" - not any more.
  const fresh = await createNamespace(t, "fresh");
  await waitForObject("Secret", fresh, "regcred");
  await waitForObject("ConfigMap", fresh, "registry-mirror");

  // "If the credentials expire ... the update has to happen manually across every namespace" - not any more.
  const rotated = JSON.stringify({ auths: { "registry.example.com": { auth: b64("ci:rotated") } } });
  await patchObject("Secret", FERRY_NS, "regcred", { data: { ".dockerconfigjson": b64(rotated) } });
  await patchObject("ConfigMap", FERRY_NS, "registry-mirror", { data: { mirror: "https://mirror2.example.com" } });
  for (const ns of [existing, fresh, "default"]) {
    await waitForObject("Secret", ns, "regcred", (o) => secretValue(o, ".dockerconfigjson") === rotated);
    await waitForObject("ConfigMap", ns, "registry-mirror", (o) => (o.data as Record<string, string>).mirror === "https://mirror2.example.com");
  }

  // The seed's other spelling: not a valid annotation key (`mw_sec` is not a DNS subdomain prefix).
  await assert.rejects(applyManifest(MW_SEC_SYNC, { t }), (error: unknown) => {
    assert.ok(isApiError(error, 422), String(error));
    assert.match((error as Error).message, /metadata\.annotations: Invalid value: "mw_sec\/sync"/);
    return true;
  });

  await deleteObject("Secret", FERRY_NS, "regcred");
  await deleteObject("ConfigMap", FERRY_NS, "registry-mirror");
  await waitForNoCopies("Secret", secrets);
  await waitForNoCopies("ConfigMap", configMaps);
});

test("values are case-insensitive true/yes; \"no\" asks for nothing; taking the annotation off removes the copies", async (t) => {
  const ferry = await startTestFerry(t);
  const app = await createNamespace(t, "app");
  const name = uniqueName("settings");
  const off = uniqueName("off");
  await createConfigMap(FERRY_NS, off, { k: "v" }, { annotations: { "mw-sync": "no" } });
  t.after(() => deleteObject("ConfigMap", FERRY_NS, off));
  await createConfigMap(FERRY_NS, name, { k: "v" }, { annotations: { "mw-sync": "True" } });
  t.after(() => deleteObject("ConfigMap", FERRY_NS, name));
  await waitForObject("ConfigMap", app, name);
  await waitEverywhere("ConfigMap", copiesOfSource(FERRY_NS, name), "copies everywhere");
  await ferry.engine.idle();
  assert.deepEqual(await namespacesWith("ConfigMap", copiesOfSource(FERRY_NS, off)), []);

  await patchObject("ConfigMap", FERRY_NS, name, { metadata: { annotations: { "mw-sync": null } } });
  await waitForNoCopies("ConfigMap", copiesOfSource(FERRY_NS, name));
});

test("bad input: the annotation outside ferry-system is refused with NotInFerryNamespace; an unknown value is InvalidAnnotation; nothing written; no crash", async (t) => {
  const ferry = await startTestFerry(t);
  const tenant = await createNamespace(t, "tenant");
  const app = await createNamespace(t, "app");
  await createSecret(tenant, "regcred", { ".dockerconfigjson": "{}" }, { type: "kubernetes.io/dockerconfigjson", annotations: { "mw-sync": "yes" } });
  const maybe = uniqueName("maybe");
  await createSecret(FERRY_NS, maybe, { v: "1" }, { annotations: { "mw-sync": "maybe" } });
  t.after(() => deleteObject("Secret", FERRY_NS, maybe));

  const refused = await waitForEvent(tenant, "regcred", "NotInFerryNamespace");
  assert.match(refused.message, /only act on objects in Ferry's namespace "ferry-system"/);
  assert.match((await waitForEvent(FERRY_NS, maybe, "InvalidAnnotation")).message, /must be "true" or "yes"/);

  // A canary in ferry-system: once it reached `app`, both objects above have been planned.
  const canary = uniqueName("canary");
  await createConfigMap(FERRY_NS, canary, { k: "v" }, { annotations: { "mw-sync": "yes" } });
  t.after(() => deleteObject("ConfigMap", FERRY_NS, canary));
  await waitForObject("ConfigMap", app, canary);
  await ferry.engine.idle();
  assert.deepEqual(await namespacesWith("Secret", copiesOfSource(tenant, "regcred")), []);
  assert.deepEqual(await namespacesWith("Secret", copiesOfSource(FERRY_NS, maybe)), []);
  assert.ok(ferry.engine.isReady(), "no crash");
  await deleteObject("ConfigMap", FERRY_NS, canary);
  await waitForNoCopies("ConfigMap", copiesOfSource(FERRY_NS, canary));
});
