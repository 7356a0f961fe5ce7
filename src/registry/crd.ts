// The RegistryCredential CustomResourceDefinition (ferry.dev/v1alpha1, cluster-scoped): a
// credential provider, its parameters by Secret reference (in Ferry's namespace), the name of
// the generated dockerconfigjson Secret, its targets (as a Distribution's) and the
// ServiceAccounts whose imagePullSecrets should name it. Status never carries a credential.
import type { CustomResourceType } from "../dialects/dialect.js";
import { conditionsSchema, labelSelector, nameOrGlob } from "../crds/native-crds.js";
import { providers } from "./providers/index.js";

export const registryCredentialType: CustomResourceType = {
  group: "ferry.dev",
  version: "v1alpha1",
  kind: "RegistryCredential",
  plural: "registrycredentials",
  namespaced: false,
};

export const registryCredentialsPath = `/apis/${registryCredentialType.group}/${registryCredentialType.version}/${registryCredentialType.plural}`;

const objectName = { type: "string", maxLength: 253, pattern: "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$" };


const spec = {
  type: "object",
  required: ["provider"],
  properties: {
    provider: {
      type: "string",
      enum: providers.map((provider) => provider.name),
      description: `${providers.map((provider) => `${provider.name}: ${provider.description}`).join("; ")}.`,
    },
    secretRef: {
      type: "object",
      required: ["name"],
      description:
        "A Secret in Ferry's namespace with the provider's secret parameters, under registry-creds' keys: DOCKER_USER/DOCKER_PASSWORD; AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY[/AWS_SESSION_TOKEN] (absent: the SDK's default chain); application_default_credentials.json; ACR_CLIENT_ID/ACR_PASSWORD; .dockerconfigjson.",
      properties: { name: objectName },
    },
    registries: {
      type: "array",
      items: { type: "string", minLength: 1, maxLength: 512 },
      maxItems: 50,
      description: "Registry URLs or hosts the login is for (dockerhub: default https://index.docker.io/v1/; google: default https://gcr.io; acr: required).",
    },
    // Each provider's own field (e.g. spec.ecr).
    ...Object.fromEntries(providers.flatMap((provider) => (provider.specField ? [[provider.specField.name, provider.specField.crd]] : []))),
    secretName: { ...objectName, description: "Name of the generated Secret and its copies (default: this resource's name)." },
    targets: {
      type: "object",
      description: "Namespaces that receive the Secret (absent: all). Namespaces annotated registry-creds/ignore=\"true\" never do.",
      properties: {
        namespaces: { type: "array", items: nameOrGlob, maxItems: 1000 },
        namespaceSelector: labelSelector,
        allNamespaces: { type: "boolean" },
        exclude: { type: "array", items: nameOrGlob, maxItems: 1000 },
      },
    },
    serviceAccounts: { type: "array", items: objectName, maxItems: 50, description: 'ServiceAccounts whose imagePullSecrets name the copy (default ["default"]).' },
    conflict: { type: "string", enum: ["skip", "overwrite"], default: "skip", description: "What to do with an existing Secret of the same name that Ferry did not write." },
  },
};

const status = {
  type: "object",
  properties: {
    observedGeneration: { type: "integer", format: "int64" },
    secretName: { type: "string" },
    registries: { type: "array", items: { type: "string" } },
    lastRefreshTime: { type: "string", format: "date-time" },
    nextRefreshTime: { type: "string", format: "date-time" },
    expiresAt: { type: "string", format: "date-time" },
    lastError: { type: "string" },
    conditions: conditionsSchema,
  },
};

export const registryCredentialCrd: Record<string, unknown> = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "registrycredentials.ferry.dev", labels: { "app.kubernetes.io/name": "ferry" } },
  spec: {
    group: "ferry.dev",
    names: { kind: "RegistryCredential", listKind: "RegistryCredentialList", plural: "registrycredentials", singular: "registrycredential", shortNames: ["regcred"], categories: ["ferry"] },
    scope: "Cluster",
    versions: [
      {
        name: "v1alpha1",
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [
          { name: "Provider", type: "string", jsonPath: ".spec.provider" },
          { name: "Secret", type: "string", jsonPath: ".status.secretName" },
          { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
          { name: "Expires", type: "date", jsonPath: ".status.expiresAt" },
          { name: "Reason", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].reason', priority: 1 },
          { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
        ],
        schema: {
          openAPIV3Schema: {
            type: "object",
            description: "A registry login that Ferry produces, keeps fresh and distributes as a kubernetes.io/dockerconfigjson Secret.",
            required: ["spec"],
            properties: { apiVersion: { type: "string" }, kind: { type: "string" }, metadata: { type: "object" }, spec, status },
          },
        },
      },
    ],
  },
};
