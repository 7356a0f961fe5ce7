// registry-creds compatible configuration and the RegistryCredential spec -> CredentialSpecs.
import assert from "node:assert/strict";
import { test } from "node:test";
import { compatCredentials, configSecrets, nativeCredential, type SecretValues } from "../../../src/registry/config.js";
import { seedContainerEnv, seedDockerHub, seedEcr } from "../../e2e/registry/seed.js";

const secrets = (entries: Record<string, Record<string, string>>): SecretValues => new Map(Object.entries(entries));
const byId = (specs: ReturnType<typeof compatCredentials>) => Object.fromEntries(specs.map((spec) => [spec.id, spec]));

test("seed: the Deployment's environment with the seed's Secrets yields Docker Hub and ECR under registry-creds' Secret names", () => {
  const values = { "registry-creds-dockerhub": seedDockerHub, "registry-creds-ecr": seedEcr };
  const env = seedContainerEnv(values);
  assert.equal(env.awsaccount, "123456789012");
  assert.equal(env.GCR_URL, "https://gcr.io");
  const specs = byId(compatCredentials(env, secrets(values)));
  assert.deepEqual(Object.keys(specs).sort(), ["registry-creds/dockerhub", "registry-creds/ecr"]);
  assert.equal(specs["registry-creds/dockerhub"]!.secretName, "dockerhub-secret");
  assert.deepEqual(specs["registry-creds/dockerhub"]!.config, { provider: "dockerhub", registry: "https://index.docker.io/v1/", username: "myusername", password: "mypassword" });
  assert.equal(specs["registry-creds/ecr"]!.secretName, "awsecr-cred");
  assert.deepEqual(specs["registry-creds/ecr"]!.config, {
    provider: "ecr",
    accounts: ["123456789012"],
    regions: ["us-east-1"],
    credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" },
  });
  for (const spec of Object.values(specs)) {
    assert.deepEqual(spec.targets, { namespaces: [], allNamespaces: true, exclude: [] });
    assert.deepEqual(spec.serviceAccounts, ["default"]);
    assert.equal(spec.conflict, "skip");
  }
});

test("seed: with no Secrets at all the seed's literal awsaccount still configures ECR, on the SDK's default chain", () => {
  const env = seedContainerEnv({});
  const specs = compatCredentials(env, secrets({}));
  assert.deepEqual(specs.map((s) => s.id), ["registry-creds/ecr"]);
  assert.deepEqual(specs[0]!.config, { provider: "ecr", accounts: ["123456789012"], regions: ["us-east-1"] });
});

test("registry-creds' aws_assume_role (environment or the Secret's aws-assume-role) assumes that role with the keys or the default chain; RegistryCredential says ecr.roleArn", () => {
  const role = "arn:aws:iam::123456789012:role/ecr-pull";
  const withKeys = compatCredentials({ awsaccount: "123456789012", aws_assume_role: role }, secrets({ "registry-creds-ecr": { AWS_ACCESS_KEY_ID: "AKIAX", AWS_SECRET_ACCESS_KEY: "k" } }));
  assert.equal(withKeys[0]!.problem, undefined);
  assert.deepEqual(withKeys[0]!.config, { provider: "ecr", accounts: ["123456789012"], regions: ["us-east-1"], credentials: { accessKeyId: "AKIAX", secretAccessKey: "k" }, roleArn: role });
  const fromSecret = compatCredentials({ awsaccount: "123456789012" }, secrets({ "registry-creds-ecr": { "aws-assume-role": role } }));
  assert.deepEqual(fromSecret[0]!.config, { provider: "ecr", accounts: ["123456789012"], regions: ["us-east-1"], roleArn: role });
  const native = nativeCredential({ metadata: { name: "pull" }, spec: { provider: "ecr", ecr: { regions: ["eu-west-1"], roleArn: role } } }, secrets({}), {}, "ferry-system");
  assert.deepEqual(native.config, { provider: "ecr", accounts: [], regions: ["eu-west-1"], roleArn: role });
});

test("a Secret's value wins over the environment snapshot (rotation without restart)", () => {
  const env = { DOCKER_USER: "old-user", DOCKER_PASSWORD: "old-password" };
  const [spec] = compatCredentials(env, secrets({ "registry-creds-dockerhub": { DOCKER_PASSWORD: "new-password" } }));
  assert.deepEqual(spec!.config, { provider: "dockerhub", registry: "https://index.docker.io/v1/", username: "old-user", password: "new-password" });
  const [before] = compatCredentials(env, secrets({}));
  assert.notEqual(before!.configHash, spec!.configHash, "a changed value changes the configuration hash");
  const [again] = compatCredentials(env, secrets({ "registry-creds-dockerhub": { DOCKER_PASSWORD: "new-password" } }));
  assert.equal(again!.configHash, spec!.configHash, "the same configuration hashes the same");
});

test("every provider from registry-creds' keys: several accounts and regions, GCR URLs, ACR, private dockerconfigjson and DPR", () => {
  const dockerconfig = JSON.stringify({ auths: { "registry.example.com": { auth: Buffer.from("u:p").toString("base64") } } });
  const specs = byId(
    compatCredentials(
      { awsaccount: "111111111111,222222222222", awsregion: "us-east-1, eu-west-1", AWS_ENDPOINT_URL_ECR: "http://127.0.0.1:1", GCR_URL: "https://gcr.io,https://europe-docker.pkg.dev" },
      secrets({
        "registry-creds-gcr": { "application_default_credentials.json": '{"type":"service_account"}', GCR_AUTH_MODE: "json-key" },
        "registry-creds-acr": { ACR_URL: "myregistry.azurecr.io", ACR_CLIENT_ID: "app-id", ACR_PASSWORD: "sp-secret" },
        "registry-creds-private": { ".dockerconfigjson": dockerconfig },
        "registry-creds-dpr": { DOCKER_PRIVATE_REGISTRY_SERVER: "harbor.example.com", DOCKER_PRIVATE_REGISTRY_USER: "robot", DOCKER_PRIVATE_REGISTRY_PASSWORD: "robot-pw" },
      }),
    ),
  );
  assert.deepEqual(specs["registry-creds/ecr"]!.config, { provider: "ecr", accounts: ["111111111111", "222222222222"], regions: ["us-east-1", "eu-west-1"], endpoint: "http://127.0.0.1:1" });
  assert.deepEqual(specs["registry-creds/google"]!.config, {
    provider: "google",
    registries: ["https://gcr.io", "https://europe-docker.pkg.dev"],
    serviceAccountJson: '{"type":"service_account"}',
    mode: "jsonKey",
  });
  assert.equal(specs["registry-creds/google"]!.secretName, "gcr-secret");
  assert.deepEqual(specs["registry-creds/acr"]!.config, { provider: "acr", registries: ["myregistry.azurecr.io"], clientId: "app-id", clientSecret: "sp-secret" });
  assert.equal(specs["registry-creds/acr"]!.secretName, "acr-secret");
  assert.deepEqual(specs["registry-creds/dockerconfigjson"]!.config, {
    provider: "dockerconfigjson",
    dockerConfigJson: dockerconfig,
    logins: [{ registry: "harbor.example.com", username: "robot", password: "robot-pw" }],
  });
  assert.equal(specs["registry-creds/dockerconfigjson"]!.secretName, "dpr-secret");
});

test("incomplete configuration is a problem that names the missing keys, never the values", () => {
  const specs = byId(compatCredentials({ DOCKER_USER: "someone", ACR_PASSWORD: "hidden-value", AWS_ACCESS_KEY_ID: "AKIA" }, secrets({})));
  assert.deepEqual(specs["registry-creds/dockerhub"]!.problem, { reason: "IncompleteConfiguration", message: "missing DOCKER_PASSWORD" });
  assert.deepEqual(specs["registry-creds/acr"]!.problem, { reason: "IncompleteConfiguration", message: "missing ACR_URL, ACR_CLIENT_ID" });
  assert.deepEqual(specs["registry-creds/ecr"]!.problem, { reason: "IncompleteConfiguration", message: "missing AWS_SECRET_ACCESS_KEY" });
  for (const spec of Object.values(specs)) assert.equal(spec.config, undefined);
  assert.ok(!JSON.stringify(specs).includes("hidden-value"));
});

test("FERRY_REGISTRY_CONFLICT=overwrite lets the compatible configuration take over registry-creds' own copies", () => {
  const [spec] = compatCredentials({ DOCKER_USER: "u", DOCKER_PASSWORD: "p", FERRY_REGISTRY_CONFLICT: "overwrite" }, secrets({}));
  assert.equal(spec!.conflict, "overwrite");
});

test("RegistryCredential: parameters by Secret reference, defaults, targets and ServiceAccounts", () => {
  const values = secrets({ "ecr-keys": { AWS_ACCESS_KEY_ID: "AKIA1", AWS_SECRET_ACCESS_KEY: "s3cret" }, hub: { username: "u", password: "p" } });
  const ecr = nativeCredential(
    {
      metadata: { name: "prod-ecr", uid: "u1", generation: 2 },
      spec: {
        provider: "ecr",
        secretRef: { name: "ecr-keys" },
        ecr: { accounts: ["123456789012"], regions: ["eu-west-1"] },
        targets: { namespaceSelector: { matchLabels: { team: "a" } } },
        serviceAccounts: ["default", "builder"],
      },
    },
    values,
    {},
    "ferry-system",
  );
  assert.equal(ecr.id, "RegistryCredential/prod-ecr");
  assert.equal(ecr.secretName, "prod-ecr");
  assert.deepEqual(ecr.config, { provider: "ecr", accounts: ["123456789012"], regions: ["eu-west-1"], credentials: { accessKeyId: "AKIA1", secretAccessKey: "s3cret" } });
  assert.deepEqual(ecr.targets, { namespaces: [], allNamespaces: false, exclude: [], namespaceSelector: { matchLabels: { team: "a" } } });
  assert.deepEqual(ecr.serviceAccounts, ["default", "builder"]);
  assert.deepEqual(ecr.resource, { name: "prod-ecr", uid: "u1", generation: 2 });

  const hub = nativeCredential({ metadata: { name: "hub" }, spec: { provider: "dockerhub", secretRef: { name: "hub" }, secretName: "dockerhub-secret" } }, values, {}, "ferry-system");
  assert.deepEqual(hub.config, { provider: "dockerhub", registry: "https://index.docker.io/v1/", username: "u", password: "p" });
  assert.deepEqual(hub.targets, { namespaces: [], allNamespaces: true, exclude: [] }, "no targets: every namespace, as registry-creds");
  assert.deepEqual(hub.serviceAccounts, ["default"]);

  const defaultChain = nativeCredential({ metadata: { name: "irsa" }, spec: { provider: "ecr" } }, values, { AWS_ENDPOINT_URL: "http://127.0.0.1:9" }, "ferry-system");
  assert.deepEqual(defaultChain.config, { provider: "ecr", accounts: [], regions: ["us-east-1"], endpoint: "http://127.0.0.1:9" });
});

test("RegistryCredential problems: missing Secret, missing key, invalid spec", () => {
  const values = secrets({ empty: {} });
  const missingSecret = nativeCredential({ metadata: { name: "a" }, spec: { provider: "dockerhub", secretRef: { name: "nope" } } }, values, {}, "ferry-system");
  assert.deepEqual(missingSecret.problem, { reason: "SecretNotFound", message: "Secret ferry-system/nope (spec.secretRef) does not exist" });
  const missingKey = nativeCredential({ metadata: { name: "b" }, spec: { provider: "google", secretRef: { name: "empty" } } }, values, {}, "ferry-system");
  assert.equal(missingKey.problem?.reason, "IncompleteConfiguration");
  const invalid = nativeCredential({ metadata: { name: "c" }, spec: { provider: "quay" } }, values, {}, "ferry-system");
  assert.equal(invalid.problem?.reason, "InvalidSpec");
  const noRef = nativeCredential({ metadata: { name: "d" }, spec: { provider: "acr", registries: ["x.azurecr.io"] } }, values, {}, "ferry-system");
  assert.deepEqual(noRef.problem, { reason: "InvalidSpec", message: "provider acr needs spec.secretRef" });
  for (const spec of [missingSecret, missingKey, invalid, noRef]) assert.equal(spec.config, undefined);
});

test("configSecrets lists the values to redact, including a Google private key's lines", () => {
  const key = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n";
  const values = configSecrets({ provider: "google", registries: [], mode: "accessToken", serviceAccountJson: JSON.stringify({ private_key: key }) });
  assert.ok(values.includes(key));
  assert.ok(values.includes("MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7"));
  assert.deepEqual(configSecrets({ provider: "dockerhub", registry: "r", username: "u", password: "pw" }), ["pw"]);
});
