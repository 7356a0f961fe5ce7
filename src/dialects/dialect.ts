// The shape every input format implements: objects in, Rules (or typed errors) out. No I/O.
import type { ParseResult, RuleReport, SourceKind } from "../core/types.js";

export interface ObjectMetaLite {
  namespace?: string;
  name: string;
  uid?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  creationTimestamp?: string;
  resourceVersion?: string;
  generation?: number;
}

/** A Secret or ConfigMap as seen by the metadata-only watch (no data). */
export interface SourceMetadata extends ObjectMetaLite {
  kind: SourceKind;
  namespace: string;
  /** Secret type when known (metadata-only watches do not carry it). */
  type?: string;
}

export interface CustomResource {
  apiVersion: string;
  kind: string;
  metadata: ObjectMetaLite;
  spec?: unknown;
  status?: unknown;
  /** Any other top-level field (a Stakater Template keeps `resources` at the top level). */
  [field: string]: unknown;
}

export interface CustomResourceType {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

export interface DialectContext {
  /** Ferry's own namespace (e.g. ferry-system). */
  ferryNamespace: string;
  clusterName: string;
  /** Metadata of another Secret/ConfigMap, e.g. to check a pull source's consent annotations. */
  lookupSource(kind: SourceKind, namespace: string, name: string): SourceMetadata | undefined;
  /** Another custom resource, e.g. the Template a TemplateGroupInstance names. */
  lookupCustomResource(type: CustomResourceType, namespace: string | undefined, name: string): CustomResource | undefined;
}

export interface Dialect {
  name: string;
  /**
   * Annotation/label keys (or key prefixes ending in "/") that make a Secret/ConfigMap relevant
   * to this dialect. The controller calls fromSource only for objects carrying one of them, and
   * strips them from copies so a copy never looks like a source.
   */
  triggerKeys: string[];
  /** Rules that a Secret/ConfigMap's own metadata asks for. */
  fromSource?(meta: SourceMetadata, context: DialectContext): ParseResult;
  /** Custom resource types this dialect reads. */
  customResourceTypes?: CustomResourceType[];
  /** Rules a custom resource asks for. */
  fromCustomResource?(resource: CustomResource, context: DialectContext): ParseResult;
  /** The status subresource to write for a custom resource, from the reports of its rules. */
  statusFor?(resource: CustomResource, reports: RuleReport[], errors: ParseResult["errors"]): Record<string, unknown> | undefined;
}
