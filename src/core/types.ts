// Ferry's vocabulary as types. Pure data: no Kubernetes client, no I/O.

export type SourceKind = "Secret" | "ConfigMap";

/** A Kubernetes label selector (metav1.LabelSelector). */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{
    key: string;
    operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
    values?: string[];
  }>;
}

export interface TargetSelection {
  /** Exact names or globs (`team-*`, `*`). */
  namespaces: string[];
  namespaceSelector?: LabelSelector;
  allNamespaces: boolean;
  /** Exact names or globs removed from the selection. */
  exclude: string[];
  /** Regular expressions a namespace name must fully match (peers' dialects use them). */
  namespaceRegexes?: string[];
  /** Regular expressions that remove fully matching namespaces from the selection. */
  excludeRegexes?: string[];
  /** Namespaces carrying any of these annotation key=value pairs are skipped (e.g. registry-creds/ignore: "true"). */
  excludeAnnotated?: Record<string, string>;
}

export type ConflictPolicy = "skip" | "adopt" | "overwrite";

/**
 * Who authored a rule decides what the consent policy lets it do: `administrator` rules come
 * from objects only an administrator can create (ClusterDistribution, cluster-scoped dialect
 * CRs, objects in Ferry's own namespace); `tenant` rules come from a tenant's namespace
 * (annotations on a source, a namespaced Distribution). Each dialect declares the scope of each
 * of its inputs (dialects/dialect.ts).
 */
export type RuleScope = "tenant" | "administrator";

/** An ownerReference as the metadata watch shows it (kept only for objects carrying some tool's marks). */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
}

/**
 * What plan() knows when it judges whether an unmanaged object at a target is a tool's copy of
 * a rule's source (core/takeover.ts).
 */
export interface TakeoverClaim {
  rule: Rule;
  /** The rule's source as read (absent when the rule carries its content inline, e.g. a ResourceDistribution). */
  source?: SourceObject;
  /** Every rule that claims this target, the claim's own included. */
  claimants: readonly Rule[];
  /** The object's data keys (`data` and `binaryData`), sorted, once read in full; undefined before. */
  dataKeys?: readonly string[];
}

/**
 * A tool's verdict on one object: its copy of the claim's source; not (why, for the conflict's
 * message); or not known until the object's data keys have been read.
 */
export type MarkVerdict = { copy: true } | { copy: false; why: string } | { copy: "needs-data-keys" };

/**
 * The marks a tool writes on the copies it makes (a dialect's original tool: kubernetes-
 * replicator, Reflector, ...). They prove an object was that tool's copy of one source, which is
 * what lets a rule take it over at cutover (DESIGN.md invariant 2's one exception). A tool that
 * leaves no marks declares none (`keys: []`): its copies are taken over only with consent
 * (Policy.takeOverUnmarked).
 */
export interface CopyMarks {
  /** The tool, for Events and messages (e.g. "kubernetes-replicator"). */
  tool: string;
  /** Label or annotation keys (or "prefix/" entries, see core/key-match.ts); an object carrying any one is marked by the tool. */
  keys: readonly string[];
  /** The source the marks name (namespace/name), when the tool records it: for messages. */
  sourceOf?(object: ObservedObject): { namespace: string; name: string } | undefined;
  /** Whether a marked object is the tool's copy of the claim's source (pure; required when `keys` is not empty). */
  proves?(object: ObservedObject, claim: TakeoverClaim): MarkVerdict;
}

/** Where a rule came from, for status, Events and explanations. */
export interface RuleOrigin {
  dialect: string;
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  uid?: string;
}

export interface Rule {
  /** Stable, unique id, e.g. `ferry/Distribution/team-a/db`. */
  id: string;
  origin: RuleOrigin;
  scope: RuleScope;
  source: {
    kind: SourceKind;
    namespace: string;
    name: string;
    /** Content carried by the rule itself (e.g. Kruise ResourceDistribution.spec.resource). */
    inline?: InlineContent;
  };
  targets: TargetSelection;
  copy: {
    /** Name of the copies (default: the source's name). */
    name?: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    /** Source annotations/labels with these prefixes are kept on copies even if a dialect would strip them. */
    keepMetadataPrefixes?: string[];
  };
  prune: boolean;
  conflict: ConflictPolicy;
  /**
   * Pull rules fill an object that already exists and asked for the data itself (replicator's
   * replicate-from, Reflector's reflects): Ferry never creates or deletes that object, it only
   * keeps its data equal to the source's. The target object is the rule's origin.
   */
  pull?: boolean;
  /** Creation time of the rule's origin (ISO 8601), used to decide who owns a contested target. */
  createdAt?: string;
}

export interface InlineContent {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  type?: string;
  data: Record<string, string>;
  binaryData?: Record<string, string>;
  immutable?: boolean;
}

/** A dialect's complaint about one input object: becomes an Event and a log line. */
export interface RuleError {
  origin: RuleOrigin;
  reason: string;
  message: string;
  /**
   * True when the error reports a state Ferry understood rather than input it cannot read: what
   * the object names is gone or refuses (a Template, a pull's source), the object asks for nothing
   * (an emptied list), or it uses a feature Ferry leaves alone. Such an error changes nothing about
   * the copies. Any other error means the object cannot be read, and holds the copies of its rules
   * that it no longer claims: neither updated nor pruned (core/held-copies.ts).
   */
  describesState?: boolean;
}

export interface ParseResult {
  rules: Rule[];
  errors: RuleError[];
}

export interface NamespaceInfo {
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  terminating: boolean;
}

/** A source's full content, as read from the API. */
export interface SourceObject {
  kind: SourceKind;
  namespace: string;
  name: string;
  uid?: string;
  resourceVersion?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Secret type (absent for ConfigMaps). */
  type?: string;
  /** Secret data is base64 as on the wire; ConfigMap data is plain text. */
  data: Record<string, string>;
  /** ConfigMap binaryData (base64). */
  binaryData?: Record<string, string>;
  immutable?: boolean;
}

/** What exists at a target (namespace, name) for one kind: a Ferry copy or someone else's object. */
export interface ObservedObject {
  kind: SourceKind;
  namespace: string;
  name: string;
  resourceVersion?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Hash of the observed content, when the full object is known (copies); see core/hash.ts. */
  contentHash?: string;
  immutable?: boolean;
  uid?: string;
  /** Owner references, kept only for objects that carry some tool's copy marks (an OpenKruise copy's proof). */
  owners?: readonly OwnerReference[];
}

export type PolicyMode = "open" | "guarded" | "strict";

export interface Policy {
  mode: PolicyMode;
  /** Namespaces that never receive copies unless a cluster rule names them exactly. */
  protectedNamespaces: string[];
  /** The name this Ferry writes into copies' source-cluster label. */
  clusterName: string;
  /**
   * Source-cluster names that mark this cluster's own copies (default: clusterName alone). A
   * Ferry on the derived default identity also owns the legacy default `local` (core/cluster-identity.ts).
   */
  ownClusterNames?: readonly string[];
  /**
   * Dialects whose rules may take over an unmanaged object that carries no tool's marks at all
   * (`ferry run --take-over-unmarked`): the administrator's consent for tools that leave none
   * (Stakater MTO, registry-creds, secret-replicator-eks). Default: none.
   */
  takeOverUnmarked?: readonly string[];
}

/** The body Ferry wants at a target. */
export interface DesiredCopy {
  kind: SourceKind;
  namespace: string;
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  type?: string;
  data: Record<string, string>;
  binaryData?: Record<string, string>;
  immutable?: boolean;
  contentHash: string;
}

export type TargetState =
  | "Synced"
  | "Pending"
  | "Conflict"
  | "Denied"
  | "NamespaceNotFound"
  | "NamespaceTerminating"
  | "Failed";

export interface TargetOutcome {
  namespace: string;
  name: string;
  state: TargetState;
  reason: string;
  message: string;
}

export interface RuleReport {
  rule: Rule;
  /** Set when the rule cannot act at all (missing or refused source). */
  problem?: { reason: string; message: string };
  desired: number;
  synced: number;
  conflicts: number;
  failed: number;
  /** Copies that were (or are being) taken over from another tool: they carry TAKEN_OVER_ANNOTATION (plan() always sets it). */
  takenOver?: number;
  /** Targets that are not Synced, sorted by namespace. */
  outcomes: TargetOutcome[];
}

/** An unmanaged object that a write makes a Ferry copy: whose copy it was, and what proved it. */
export interface Takeover {
  tool: string;
  /** `marks`: the tool's marks name this source; `consent`: no marks, taken over with Policy.takeOverUnmarked. */
  evidence: "marks" | "consent";
}

export type Action =
  | { type: "create"; key: string; ruleId: string; desired: DesiredCopy }
  | { type: "update"; key: string; ruleId: string; desired: DesiredCopy; resourceVersion?: string; takeover?: Takeover }
  | { type: "replace"; key: string; ruleId: string; desired: DesiredCopy; resourceVersion?: string; takeover?: Takeover }
  | { type: "delete"; key: string; ruleId?: string; kind: SourceKind; namespace: string; name: string; resourceVersion?: string; uid?: string; reason: string };

/** Copies of an object that cannot be read, left as they are (core/held-copies.ts). */
export interface HeldCopies {
  origin: RuleOrigin;
  copies: number;
}

export interface PlanResult {
  actions: Action[];
  reports: RuleReport[];
  /**
   * Keys of unmanaged objects whose data keys a takeover proof needs: not read yet at the version
   * observed (read them, then plan again), or read and used by this plan (keep them).
   */
  dataKeysWanted: string[];
  /** Objects whose unclaimed copies this plan held, with how many (absent when none). */
  held?: HeldCopies[];
  /** With PlanInput.tally: what each namespace contributed to each rule's report (core/report-ledger.ts). */
  tallies?: Map<string, Map<string, number>>;
}
