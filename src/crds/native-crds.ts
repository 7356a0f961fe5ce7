// The ferry.dev CustomResourceDefinitions, built once here so Distribution and
// ClusterDistribution share one schema. `npx tsx scripts/write-crds.ts` renders them into the chart.
import { labelSelectorSchema } from "../core/label-selector-schema.js";
import { crdSchema } from "./crd-schema.js";

export const nameOrGlob = {
  type: "string",
  maxLength: 63,
  pattern: "^[a-z0-9*?]([-a-z0-9*?]*[a-z0-9*?])?$",
};

/** The label selector schema of core/label-selector-schema.ts, as the apiserver validates it. */
export const labelSelector = crdSchema(labelSelectorSchema);

function spec(cluster: boolean): Record<string, unknown> {
  const source = {
    type: "object",
    required: cluster ? ["kind", "name", "namespace"] : ["kind", "name"],
    properties: {
      kind: { type: "string", enum: ["Secret", "ConfigMap"] },
      name: { type: "string", minLength: 1, maxLength: 253 },
      ...(cluster ? { namespace: { type: "string", minLength: 1, maxLength: 63 } } : {}),
    },
  };
  const targets = {
    type: "object",
    properties: {
      namespaces: { type: "array", description: "Namespace names or globs (`team-*`).", items: nameOrGlob, maxItems: 1000 },
      namespaceSelector: labelSelector,
      allNamespaces: { type: "boolean", default: false },
      exclude: { type: "array", description: "Names or globs removed from the selection.", items: nameOrGlob, maxItems: 1000 },
      ...(cluster ? { clusters: { ...labelSelector, description: "Member clusters (registrations) that also receive the copies; absent: this cluster only." } } : {}),
    },
  };
  return {
    type: "object",
    required: ["source", "targets"],
    properties: {
      source,
      targets,
      copy: {
        type: "object",
        properties: {
          name: { type: "string", maxLength: 253, pattern: "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", description: "Name of the copies (default: the source's)." },
          labels: { type: "object", additionalProperties: { type: "string" } },
          annotations: { type: "object", additionalProperties: { type: "string" } },
        },
      },
      prune: { type: "boolean", default: true, description: "Delete copies from namespaces that leave the selection." },
      conflict: {
        type: "string",
        enum: ["skip", "adopt", "overwrite"],
        default: "skip",
        description: "What to do when an object Ferry does not manage has the copy's name.",
      },
    },
    "x-kubernetes-validations": [
      {
        rule: "self.targets.allNamespaces == true || (has(self.targets.namespaces) && size(self.targets.namespaces) > 0) || has(self.targets.namespaceSelector)",
        message: "targets must name namespaces, select them by label, or set allNamespaces",
      },
      {
        rule: "!(self.targets.allNamespaces == true && has(self.targets.namespaces) && size(self.targets.namespaces) > 0)",
        message: "targets.allNamespaces and targets.namespaces are mutually exclusive",
      },
    ],
  };
}

/** metav1.Condition as a list keyed by type: the status conditions of every ferry.dev resource. */
export const conditionsSchema = {
  type: "array",
  items: {
    type: "object",
    required: ["type", "status"],
    properties: {
      type: { type: "string" },
      status: { type: "string", enum: ["True", "False", "Unknown"] },
      reason: { type: "string" },
      message: { type: "string" },
      observedGeneration: { type: "integer", format: "int64" },
      lastTransitionTime: { type: "string", format: "date-time" },
    },
  },
  "x-kubernetes-list-type": "map",
  "x-kubernetes-list-map-keys": ["type"],
};

const statusSchema = {
  type: "object",
  properties: {
    observedGeneration: { type: "integer", format: "int64" },
    desired: { type: "integer" },
    synced: { type: "integer" },
    conflicts: { type: "integer" },
    failed: { type: "integer" },
    takenOver: { type: "integer", description: "Copies Ferry took over from another tool at cutover (annotated ferry.dev/taken-over-from)." },
    failingTargetsOmitted: { type: "integer" },
    conditions: conditionsSchema,
    failingTargets: {
      type: "array",
      items: {
        type: "object",
        properties: {
          namespace: { type: "string" },
          name: { type: "string" },
          state: { type: "string" },
          reason: { type: "string" },
          message: { type: "string" },
        },
      },
    },
    clusters: {
      type: "array",
      items: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
    },
  },
};

const printerColumns = [
  { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
  { name: "Desired", type: "integer", jsonPath: ".status.desired" },
  { name: "Synced", type: "integer", jsonPath: ".status.synced" },
  { name: "Conflicts", type: "integer", jsonPath: ".status.conflicts" },
  { name: "Reason", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].reason', priority: 1 },
  { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
];

function crd(kind: string, plural: string, cluster: boolean, shortNames: string[]): Record<string, unknown> {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${plural}.ferry.dev`, labels: { "app.kubernetes.io/name": "ferry" } },
    spec: {
      group: "ferry.dev",
      names: { kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase(), shortNames, categories: ["ferry"] },
      scope: cluster ? "Cluster" : "Namespaced",
      versions: [
        {
          name: "v1alpha1",
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: printerColumns,
          schema: {
            openAPIV3Schema: {
              type: "object",
              description: cluster
                ? "Distributes a Secret or ConfigMap from any namespace to selected namespaces (administrators)."
                : "Distributes a Secret or ConfigMap of this namespace to selected namespaces (tenants; subject to the consent policy).",
              required: ["spec"],
              properties: { apiVersion: { type: "string" }, kind: { type: "string" }, metadata: { type: "object" }, spec: spec(cluster), status: statusSchema },
            },
          },
        },
      ],
    },
  };
}

export const nativeCrds = [
  crd("Distribution", "distributions", false, ["dist"]),
  crd("ClusterDistribution", "clusterdistributions", true, ["cdist"]),
];
