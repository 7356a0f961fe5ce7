// The registry-creds dialect: generated Secrets in Ferry's namespace -> cluster-scoped rules.
import assert from "node:assert/strict";
import { test } from "node:test";
import { IGNORE_ANNOTATION, REGISTRY_COPY_LABEL, REGISTRY_CREDENTIAL_ANNOTATION, SERVICE_ACCOUNTS_ANNOTATION, registryCredentialAnnotation, registryCredsDialect } from "../../../src/registry/registry-dialect.js";
import { context, source } from "../dialects/helpers.js";

const ctx = context({ ferryNamespace: "ferry-system" });

test("a generated Secret goes to every namespace but those annotated registry-creds/ignore, with its ServiceAccounts on the copies", () => {
  const value = registryCredentialAnnotation({ targets: { namespaces: [], allNamespaces: true, exclude: [] }, serviceAccounts: ["default"], conflict: "skip" });
  const result = registryCredsDialect.fromSource!(source("Secret", "ferry-system", "dockerhub-secret", { [REGISTRY_CREDENTIAL_ANNOTATION]: value }), ctx);
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.rules, [
    {
      id: "registry-creds/Secret/ferry-system/dockerhub-secret",
      origin: { dialect: "registry-creds", apiVersion: "v1", kind: "Secret", namespace: "ferry-system", name: "dockerhub-secret" },
      scope: "administrator",
      source: { kind: "Secret", namespace: "ferry-system", name: "dockerhub-secret" },
      targets: { namespaces: [], allNamespaces: true, exclude: [], excludeAnnotated: { [IGNORE_ANNOTATION]: "true" } },
      copy: { labels: { [REGISTRY_COPY_LABEL]: "true" }, annotations: { [SERVICE_ACCOUNTS_ANNOTATION]: "default" } },
      prune: true,
      conflict: "skip",
    },
  ]);
});

test("a RegistryCredential's targets, ServiceAccounts and conflict policy carry through", () => {
  const value = registryCredentialAnnotation({
    targets: { namespaces: ["team-*"], allNamespaces: false, exclude: ["team-x"], namespaceSelector: { matchLabels: { pulls: "yes" } } },
    serviceAccounts: ["default", "builder"],
    conflict: "overwrite",
  });
  const [rule] = registryCredsDialect.fromSource!(source("Secret", "ferry-system", "ecr", { [REGISTRY_CREDENTIAL_ANNOTATION]: value }), ctx).rules;
  assert.deepEqual(rule!.targets, {
    namespaces: ["team-*"],
    allNamespaces: false,
    exclude: ["team-x"],
    namespaceSelector: { matchLabels: { pulls: "yes" } },
    excludeAnnotated: { [IGNORE_ANNOTATION]: "true" },
  });
  assert.equal(rule!.copy.annotations[SERVICE_ACCOUNTS_ANNOTATION], "default,builder");
  assert.equal(rule!.conflict, "overwrite");
});

test("outside Ferry's namespace, on a ConfigMap, or unreadable: an error and no rule", () => {
  const value = registryCredentialAnnotation({ targets: { namespaces: [], allNamespaces: true, exclude: [] }, serviceAccounts: ["default"], conflict: "skip" });
  for (const [kind, namespace, annotation, reason] of [
    ["Secret", "tenant", value, "NotInFerryNamespace"],
    ["ConfigMap", "ferry-system", value, "InvalidSource"],
    ["Secret", "ferry-system", "{not json", "InvalidAnnotation"],
    ["Secret", "ferry-system", '{"serviceAccounts":"default"}', "InvalidAnnotation"],
    ["Secret", "ferry-system", '{"targets":{"namespaces":[]}}', "NoTargets"],
  ] as const) {
    const result = registryCredsDialect.fromSource!(source(kind, namespace, "x", { [REGISTRY_CREDENTIAL_ANNOTATION]: annotation }), ctx);
    assert.deepEqual(result.rules, []);
    assert.equal(result.errors[0]?.reason, reason, `${kind} ${namespace} ${annotation}`);
  }
});

test("objects without the annotation are not this dialect's", () => {
  assert.deepEqual(registryCredsDialect.fromSource!(source("Secret", "ferry-system", "x", { other: "1" }), ctx), { rules: [], errors: [] });
});
