// The RegistryCredential CRD: the YAML in deploy/crds matches the object the installer applies,
// and the examples of docs/registry.md are valid specs.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { parse, parseAllDocuments } from "yaml";
import { nativeCredential, registryCredentialSpecSchema } from "../../../src/registry/config.js";
import { registryCredentialCrd, registryCredentialType } from "../../../src/registry/crd.js";

test("deploy/crds/ferry.dev_registrycredentials.yaml is the CRD object of src/registry/crd.ts", () => {
  const yaml = parse(readFileSync(new URL("../../../deploy/crds/ferry.dev_registrycredentials.yaml", import.meta.url), "utf8"));
  assert.deepEqual(yaml, registryCredentialCrd);
  const spec = registryCredentialCrd.spec as { group: string; scope: string; names: { kind: string; plural: string } };
  assert.deepEqual(
    { group: spec.group, kind: spec.names.kind, plural: spec.names.plural, namespaced: spec.scope !== "Cluster" },
    { group: registryCredentialType.group, kind: registryCredentialType.kind, plural: registryCredentialType.plural, namespaced: registryCredentialType.namespaced },
  );
});

test("every RegistryCredential example in docs/registry.md parses into a usable credential", () => {
  const text = readFileSync(new URL("../../../docs/registry.md", import.meta.url), "utf8");
  const blocks = [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1]!);
  const resources = blocks
    .flatMap((block) => parseAllDocuments(block).map((doc) => doc.toJS() as { kind?: string; metadata: { name: string }; spec: unknown }))
    .filter((doc) => doc?.kind === "RegistryCredential");
  assert.ok(resources.length >= 3, "the doc shows RegistryCredential examples");
  for (const resource of resources) {
    const parsed = registryCredentialSpecSchema.safeParse(resource.spec);
    assert.ok(parsed.success, `${resource.metadata.name}: ${parsed.success ? "" : parsed.error.message}`);
    const keys = { AWS_ACCESS_KEY_ID: "a", AWS_SECRET_ACCESS_KEY: "b", DOCKER_USER: "u", DOCKER_PASSWORD: "p", "application_default_credentials.json": "{}", ACR_CLIENT_ID: "c", ACR_PASSWORD: "d", ".dockerconfigjson": "{}" };
    const ref = (resource.spec as { secretRef?: { name: string } }).secretRef?.name;
    const spec = nativeCredential(resource, new Map(ref ? [[ref, keys]] : []), {}, "ferry-system");
    assert.equal(spec.problem, undefined, `${resource.metadata.name}: ${spec.problem?.message}`);
  }
});
