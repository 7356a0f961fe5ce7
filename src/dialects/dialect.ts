// What a dialect is: one file that says everything about one input format. Its trigger keys, its
// parsers (objects in, Rules or typed errors out), who may author each input (scope), and the
// marks its original tool writes on the copies it makes. No I/O. Nothing outside a dialect's file
// lists per-dialect facts: the engine, plan() and the hub read them from here.
import type { CopyMarks, ParseResult, RuleReport, RuleScope, SourceKind } from "../core/types.js";

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

/**
 * Who may write each input of a dialect, which decides what the consent policy lets its rules
 * do: annotations on any Secret are a tenant's, a cluster-scoped resource is an administrator's.
 * The rules a dialect yields carry exactly this scope (dialects/parse.ts enforces it).
 */
export interface DialectScopes {
  /** The scope of the rules fromSource yields. */
  source?: RuleScope;
  /** The scope of the rules of each custom resource type, by kind. */
  resources?: Readonly<Record<string, RuleScope>>;
}

export interface Dialect {
  name: string;
  /**
   * Annotation/label keys (or key prefixes ending in "/") that make a Secret/ConfigMap relevant
   * to this dialect. The controller calls fromSource only for objects carrying one of them, and
   * strips them from copies so a copy never looks like a source.
   */
  triggerKeys: readonly string[];
  /** Who may author the rules of each input. */
  scopes: DialectScopes;
  /** The marks the format's original tool writes on its copies: such an object may be taken over. */
  copyMarks?: CopyMarks;
  /** Rules that a Secret/ConfigMap's own metadata asks for. */
  fromSource?(meta: SourceMetadata, context: DialectContext): ParseResult;
  /** Custom resource types this dialect reads. */
  customResourceTypes?: CustomResourceType[];
  /** Rules a custom resource asks for. */
  fromCustomResource?(resource: CustomResource, context: DialectContext): ParseResult;
  /** The status subresource to write for a custom resource, from the reports of its rules. */
  statusFor?(resource: CustomResource, reports: RuleReport[], errors: ParseResult["errors"]): Record<string, unknown> | undefined;
}
