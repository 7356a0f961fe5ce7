// The one schema of a Kubernetes label selector (metav1.LabelSelector), and of the target
// selection built on it: the zod validator every
// parser of Ferry's own resources uses, and, through z.toJSONSchema (crds/crd-schema.ts), the
// OpenAPI schema of every CRD field that holds a selector. The meta entries are the apiserver's
// extensions (a CEL rule, atomic map semantics); zod ignores them when parsing. Pure.
import { z } from "zod";

export const labelSelectorOperators = ["In", "NotIn", "Exists", "DoesNotExist"] as const;

export const labelSelectorRequirementSchema = z
  .object({
    key: z.string(),
    operator: z.enum(labelSelectorOperators),
    values: z.array(z.string()).optional(),
  })
  .meta({
    "x-kubernetes-validations": [
      {
        rule: "self.operator in ['In', 'NotIn'] ? size(self.values) > 0 : !has(self.values) || size(self.values) == 0",
        message: "In and NotIn need values; Exists and DoesNotExist take none",
      },
    ],
  });

export const labelSelectorSchema = z
  .object({
    matchLabels: z.record(z.string(), z.string()).optional(),
    matchExpressions: z.array(labelSelectorRequirementSchema).optional(),
  })
  .meta({ description: "A standard Kubernetes label selector.", "x-kubernetes-map-type": "atomic" });

/** The target selection of Ferry's own resources (Distribution, RegistryCredential) and annotations. */
export const targetsSchema = z.object({
  namespaces: z.array(z.string()).default([]),
  namespaceSelector: labelSelectorSchema.optional(),
  allNamespaces: z.boolean().default(false),
  exclude: z.array(z.string()).default([]),
});
