// The registry's providers (one folder each under src/registry/providers/): the list, what the
// RegistryCredential schema and CRD learn from it, and each provider's configuration from both
// inputs. Fetching is tested against local servers speaking the real APIs (test/e2e/registry).
import assert from "node:assert/strict";
import { test } from "node:test";
import { compatCredentials, nativeCredential, registryCredentialSpecSchema } from "../../../src/registry/config.js";
import { registryCredentialCrd } from "../../../src/registry/crd.js";
import { providerByName, providers } from "../../../src/registry/providers/index.js";

const crdSpec = (registryCredentialCrd.spec as { versions: Array<{ schema: { openAPIV3Schema: { properties: { spec: { properties: Record<string, { enum?: string[] }> } } } } }> }).versions[0]!.schema
  .openAPIV3Schema.properties.spec.properties;

test("every provider is listed once; the spec schema and the CRD know exactly these", () => {
  const names = providers.map((provider) => provider.name);
  assert.deepEqual(names.slice(0, 5), ["dockerhub", "ecr", "google", "acr", "dockerconfigjson"], "registry-creds' providers, in its order (new ones follow)");
  assert.equal(new Set(names).size, names.length);
  assert.deepEqual(crdSpec.provider!.enum, names);
  for (const name of names) assert.ok(registryCredentialSpecSchema.safeParse({ provider: name }).success, name);
  assert.ok(!registryCredentialSpecSchema.safeParse({ provider: "no-such-provider" }).success);
  const outputs = providers.map((provider) => provider.compat.output);
  assert.equal(new Set(outputs).size, outputs.length, "each produces its own registry-creds Secret");
});

test("a provider's own spec field is in the CRD, with the same fields its schema reads", () => {
  for (const provider of providers) {
    if (!provider.specField) continue;
    const crd = crdSpec[provider.specField.name] as { properties: Record<string, unknown> } | undefined;
    assert.ok(crd, `spec.${provider.specField.name} in the CRD`);
    const shape = (provider.specField.schema as unknown as { shape: Record<string, unknown> }).shape;
    assert.deepEqual(Object.keys(crd.properties).sort(), Object.keys(shape).sort(), provider.name);
  }
  assert.equal(providerByName("ecr")?.specField?.name, "ecr");
});

test("registry-creds input: a provider with none of its values set is not configured; partial values are named", () => {
  assert.deepEqual(compatCredentials({}, new Map()), []);
  const specs = compatCredentials({ DOCKER_USER: "u", ACR_URL: "https://r.azurecr.io", ACR_CLIENT_ID: "id", ACR_PASSWORD: "pw" }, new Map([["registry-creds-private", { ".dockerconfigjson": "{}" }]]));
  assert.deepEqual(
    specs.map((spec) => [spec.id, spec.secretName, spec.problem?.message ?? "ok"]),
    [
      ["registry-creds/dockerhub", "dockerhub-secret", "missing DOCKER_PASSWORD"],
      ["registry-creds/acr", "acr-secret", "ok"],
      ["registry-creds/dockerconfigjson", "dpr-secret", "ok"],
    ],
  );
});

test("RegistryCredential input: each provider reads its Secret's keys and its own field", () => {
  const keys = new Map([["keys", { AWS_ACCESS_KEY_ID: "AKIA", AWS_SECRET_ACCESS_KEY: "s3cr3t-key", username: "u", password: "p", ACR_URL: "a.azurecr.io, b.azurecr.io", "key.json": "{}" }]]);
  const spec = (provider: string, extra: Record<string, unknown> = {}) =>
    nativeCredential({ metadata: { name: `rc-${provider}` }, spec: { provider, secretRef: { name: "keys" }, ...extra } }, keys, {}, "ferry-system");
  assert.deepEqual(spec("ecr", { ecr: { accounts: ["123456789012"], regions: ["eu-west-1"] } }).config, {
    provider: "ecr",
    accounts: ["123456789012"],
    regions: ["eu-west-1"],
    credentials: { accessKeyId: "AKIA", secretAccessKey: "s3cr3t-key" },
  });
  assert.deepEqual(spec("acr").config, { provider: "acr", registries: ["a.azurecr.io", "b.azurecr.io"], clientId: "u", clientSecret: "p" });
  assert.deepEqual(spec("google", { google: { authMode: "jsonKey" } }).config, { provider: "google", registries: ["https://gcr.io"], serviceAccountJson: "{}", mode: "jsonKey" });
  assert.equal(spec("dockerconfigjson").problem?.reason, "IncompleteConfiguration");
  const ecrWithoutSecret = nativeCredential({ metadata: { name: "irsa" }, spec: { provider: "ecr" } }, new Map(), {}, "ferry-system");
  assert.equal(ecrWithoutSecret.problem, undefined, "ECR may use the SDK's default chain");
  const dockerhubWithoutSecret = nativeCredential({ metadata: { name: "dh" }, spec: { provider: "dockerhub" } }, new Map(), {}, "ferry-system");
  assert.match(dockerhubWithoutSecret.problem!.message, /needs spec\.secretRef/);
});

test("each provider names the secret values of its configuration (what redaction cuts out)", () => {
  assert.deepEqual(providerByName("dockerhub")!.secretValues({ provider: "dockerhub", registry: "r", username: "u", password: "pw-1" } as never), ["pw-1"]);
  assert.deepEqual(providerByName("acr")!.secretValues({ provider: "acr", registries: [], clientId: "id", clientSecret: "cs-1" } as never), ["cs-1"]);
  assert.ok(providerByName("google")!.secretValues({ provider: "google", registries: [], serviceAccountJson: JSON.stringify({ private_key: "-----BEGIN-----\nabcdefghijklmnopqrstuv\n-----END-----" }), mode: "jsonKey" } as never).includes("abcdefghijklmnopqrstuv"));
});
