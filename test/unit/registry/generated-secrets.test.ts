// The registry's generated Secrets as plan actions (src/registry/generated-secrets.ts): Ferry's
// marks and a content hash, written only when the content differs, never over a Secret Ferry did
// not generate, deleted once their credential is gone.
import assert from "node:assert/strict";
import { test } from "node:test";
import { contentHash } from "../../../src/core/hash.js";
import { CONTENT_HASH_ANNOTATION, MANAGED_BY_LABEL } from "../../../src/core/marks.js";
import type { DesiredCopy, ObservedObject } from "../../../src/core/types.js";
import { CREDENTIAL_ID_ANNOTATION, GENERATED_LABEL, generatedSecret, planGeneratedSecrets } from "../../../src/registry/generated-secrets.js";
import { REGISTRY_CREDENTIAL_ANNOTATION } from "../../../src/registry/registry-dialect.js";
import type { CredentialSpec } from "../../../src/registry/types.js";

const spec: CredentialSpec = { id: "registry-creds/dockerhub", secretName: "dockerhub-secret", provider: "dockerhub", targets: { namespaces: [], allNamespaces: true, exclude: [] }, serviceAccounts: ["default"], conflict: "skip", configHash: "x" };
const auths = [{ registry: "https://index.docker.io/v1/", username: "u", password: "p" }];
const NS = "ferry-system";

function observedOf(desired: DesiredCopy, extra: Partial<ObservedObject> = {}): ObservedObject {
  return { kind: "Secret", namespace: NS, name: desired.name, labels: desired.labels, annotations: desired.annotations, contentHash: desired.contentHash, resourceVersion: "7", uid: "u-1", ...extra };
}

test("a generated Secret carries Ferry's managed-by mark, the generated label, the dialect's annotation and its content hash", () => {
  const desired = generatedSecret(spec, auths, Date.parse("2030-01-01T00:00:00Z"), NS);
  assert.equal(desired.labels[MANAGED_BY_LABEL], "ferry");
  assert.equal(desired.labels[GENERATED_LABEL], "true");
  assert.equal(desired.annotations[CREDENTIAL_ID_ANNOTATION], "registry-creds/dockerhub");
  assert.ok(desired.annotations[REGISTRY_CREDENTIAL_ANNOTATION]);
  assert.equal(desired.type, "kubernetes.io/dockerconfigjson");
  assert.equal(desired.annotations[CONTENT_HASH_ANNOTATION], desired.contentHash);
  assert.equal(contentHash(desired), desired.contentHash, "the hash the watch computes from the written object");
  assert.equal(desired.labels["ferry.dev/rule"], undefined, "not a copy: a copy is never a source, this Secret is one");
});

test("missing: create; same content: nothing; other content: update with the observed version; immutable: replace", () => {
  const desired = generatedSecret(spec, auths, undefined, NS);
  const wanted = new Map([[spec.id, desired]]);
  const plan = (current: ObservedObject | undefined) => planGeneratedSecrets(wanted, new Set([spec.secretName]), current ? [current] : [], NS, () => current).actions;
  assert.deepEqual(plan(undefined).map((a) => a.type), ["create"]);
  assert.deepEqual(plan(observedOf(desired)), []);
  const stale = plan(observedOf(desired, { contentHash: "sha256:old" }));
  assert.deepEqual(stale.map((a) => [a.type, a.type === "update" ? a.resourceVersion : undefined]), [["update", "7"]]);
  assert.deepEqual(plan(observedOf(desired, { contentHash: "sha256:old", immutable: true })).map((a) => a.type), ["replace"]);
});

test("a Secret of that name that Ferry did not generate is left untouched and reported", () => {
  const desired = generatedSecret(spec, auths, undefined, NS);
  const foreign: ObservedObject = { kind: "Secret", namespace: NS, name: desired.name, labels: {}, annotations: {} };
  const result = planGeneratedSecrets(new Map([[spec.id, desired]]), new Set([spec.secretName]), [foreign], NS, () => foreign);
  assert.deepEqual(result.actions, []);
  assert.equal(result.taken.get(spec.id)?.reason, "SecretNameTaken");
});

test("generated Secrets no credential claims are deleted, with their uid as precondition; others are not", () => {
  const orphan: ObservedObject = { kind: "Secret", namespace: NS, name: "old-secret", labels: { [GENERATED_LABEL]: "true" }, annotations: {}, uid: "u-9" };
  const user: ObservedObject = { kind: "Secret", namespace: NS, name: "registry-creds-dockerhub", labels: {}, annotations: {} };
  const claimed: ObservedObject = { kind: "Secret", namespace: NS, name: "dockerhub-secret", labels: { [GENERATED_LABEL]: "true" }, annotations: {} };
  const { actions } = planGeneratedSecrets(new Map(), new Set(["dockerhub-secret"]), [orphan, user, claimed], NS, () => undefined);
  assert.deepEqual(actions, [{ type: "delete", key: `Secret/${NS}/old-secret`, kind: "Secret", namespace: NS, name: "old-secret", uid: "u-9", reason: "CredentialRemoved" }]);
});
