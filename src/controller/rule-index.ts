// Rules from everything the dialects read: Secrets and ConfigMaps carrying a dialect's trigger
// keys, and the dialects' custom resources. Re-parsed only when one of them changed. Nothing is
// remembered from one version of an object to the next (invariant 7: a restart must not change
// the answer): an object that cannot be read is listed as held, and plan() leaves the copies of
// its rules as they are (core/held-copies.ts); deleting the object still prunes.
import { copyName } from "../core/desired-copy.js";
import { ruleCopyNameKey } from "../core/partial-plan.js";
import { unreadableOrigin } from "../core/held-copies.js";
import { carriesKey } from "../core/key-match.js";
import { objectKey } from "../core/plan.js";
import type { ParseResult, Rule, RuleError, RuleOrigin, SourceKind, SourceObject } from "../core/types.js";
import type { CustomResource, CustomResourceType, Dialect, DialectContext, SourceMetadata } from "../dialects/dialect.js";
import { toCustomResource } from "../dialects/input.js";
import { parseResource, parseSource } from "../dialects/parse.js";
import type { KubeObject } from "../kube/informer.js";
import { typeKey, type ObservedState } from "./observed-state.js";

const kinds: SourceKind[] = ["Secret", "ConfigMap"];

type Marked = { labels: Record<string, string>; annotations: Record<string, string> };

function sameEntries(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => b[key] === a[key] && key in b);
}

/** Objects that are not in the cluster (yet), planned as if they were: `ferry plan -f`. */
export interface Overlay {
  sources: SourceObject[];
  resources: KubeObject[];
}

/** One parsed input object: its dialect's result, and the custom resource it came from (for its status). */
export interface ParsedOrigin {
  result: ParseResult;
  dialect: Dialect;
  resource?: CustomResource;
  type?: CustomResourceType;
}

export interface RuleIndexOptions {
  dialects: readonly Dialect[];
  triggerKeys: readonly string[];
  ferryNamespace: string;
  clusterName: string;
}

export class RuleIndex {
  private parsed = new Map<string, ParsedOrigin>();
  private dirty = true;
  private overlay: Overlay | undefined;
  private rules: Rule[] = [];
  private errors: RuleError[] = [];
  private held: RuleOrigin[] = [];
  /** Names copies of the current rules take, per kind: an object by any other name is no target. */
  private copyNames: Record<SourceKind, Set<string>> = { Secret: new Set(), ConfigMap: new Set() };
  /** The copy names (core/partial-plan.ts copyNameKey) of the rules of each source ("Kind/namespace/name"). */
  private namesBySource = new Map<string, Set<string>>();

  constructor(
    private readonly state: ObservedState,
    private readonly options: RuleIndexOptions,
  ) {}

  /** An input of some dialect changed: parse again before the next plan. */
  markDirty(): void {
    this.dirty = true;
  }

  /** Plans with (or, with undefined, without) extra objects; the CLI's `plan -f` compares the two. */
  setOverlay(overlay: Overlay | undefined): void {
    this.overlay = overlay;
    this.dirty = true;
  }

  get overlaySources(): readonly SourceObject[] {
    return this.overlay?.sources ?? [];
  }

  /** The current rules (first of each id), input errors, and the objects that cannot be read (their copies are held). */
  current(): { rules: Rule[]; errors: RuleError[]; held: RuleOrigin[] } {
    if (this.dirty) this.parseAll();
    return { rules: this.rules, errors: this.errors, held: this.held };
  }

  /** Every parsed input object (for the statuses of custom resources). */
  origins(): Iterable<ParsedOrigin> {
    return this.parsed.values();
  }

  /** Could a copy of some rule be named `name`? Changes of objects by other names decide nothing. */
  isCopyName(kind: SourceKind, name: string): boolean {
    return this.copyNames[kind].has(name);
  }

  /** The copy names (copyNameKey) of the current rules whose source is `sourceKey` ("Kind/namespace/name"); undefined when the rules must be parsed again first. */
  copyNamesOfSource(sourceKey: string): ReadonlySet<string> | undefined {
    if (this.dirty) return undefined;
    return this.namesBySource.get(sourceKey) ?? new Set();
  }

  /** Does a Secret/ConfigMap carry a key some dialect reads? */
  carriesTriggerKeys(record: Marked | undefined): boolean {
    return record !== undefined && carriesKey(record, this.options.triggerKeys);
  }

  /**
   * Can this change of a Secret/ConfigMap change the rules? Dialects make rules from an object's
   * identity, labels and annotations, never its data: a change of a carrier of their keys that
   * leaves those as they were (a source's new content) changes no rule.
   */
  ruleInputChanged(current: Marked | undefined, previous: Marked | undefined): boolean {
    if (!this.carriesTriggerKeys(current) && !this.carriesTriggerKeys(previous)) return false;
    return !current || !previous || !sameEntries(current.labels, previous.labels) || !sameEntries(current.annotations, previous.annotations);
  }

  private context(): DialectContext {
    return {
      ferryNamespace: this.options.ferryNamespace,
      clusterName: this.options.clusterName,
      lookupSource: (kind, namespace, name) => {
        const record = this.state.object(kind, `${namespace}/${name}`);
        return record ? { kind, namespace, name, uid: record.uid, resourceVersion: record.resourceVersion, labels: record.labels, annotations: record.annotations } : undefined;
      },
      lookupCustomResource: (type, namespace, name) => {
        const object = this.state.resources.get(typeKey(type))?.informer.store.get(namespace ? `${namespace}/${name}` : name);
        return object ? toCustomResource(object) : undefined;
      },
    };
  }

  /** Re-runs every dialect over the objects that carry their keys, and over their custom resources. */
  private parseAll(): void {
    const context = this.context();
    const parsed = new Map<string, ParsedOrigin>();
    const overlaid = new Set(this.overlaySources.map((o) => objectKey(o.kind, o.namespace, o.name)));
    for (const kind of kinds) {
      const records = [...[...this.state.sourceCandidates(kind)].filter((r) => !overlaid.has(objectKey(kind, r.namespace, r.name))), ...this.overlaySources.filter((o) => o.kind === kind)];
      for (const record of records) {
        if (!carriesKey(record, this.options.triggerKeys)) continue;
        const meta: SourceMetadata = { kind, namespace: record.namespace, name: record.name, uid: record.uid, resourceVersion: record.resourceVersion, labels: record.labels, annotations: record.annotations };
        for (const dialect of this.options.dialects) {
          if (!dialect.fromSource || !carriesKey(record, dialect.triggerKeys)) continue;
          parsed.set(`${dialect.name}|${kind}/${record.namespace}/${record.name}`, { dialect, result: parseSource(dialect, meta, context) });
        }
      }
    }
    for (const { type, dialects, informer } of this.state.resources.values()) {
      const extra = (this.overlay?.resources ?? []).filter((o) => o.apiVersion === `${type.group}/${type.version}` && o.kind === type.kind);
      const extraKeys = new Set(extra.map((o) => `${o.metadata.namespace ?? ""}/${o.metadata.name}`));
      const objects = [...[...informer.store.values()].filter((o) => !extraKeys.has(`${o.metadata.namespace ?? ""}/${o.metadata.name}`)), ...extra];
      for (const object of objects) {
        const resource = toCustomResource(object);
        for (const dialect of dialects) {
          if (!dialect.fromCustomResource) continue;
          parsed.set(`${dialect.name}|${typeKey(type)}/${resource.metadata.namespace ?? ""}/${resource.metadata.name}`, { dialect, resource, type, result: parseResource(dialect, resource, context) });
        }
      }
    }
    this.parsed = parsed;
    this.dirty = false;
    this.collect();
  }

  private collect(): void {
    const rules: Rule[] = [];
    const errors: RuleError[] = [];
    const held: RuleOrigin[] = [];
    const seen = new Set<string>();
    for (const { result } of this.parsed.values()) {
      const unreadable = unreadableOrigin(result);
      if (unreadable) held.push(unreadable);
      for (const rule of result.rules) {
        if (seen.has(rule.id)) continue;
        seen.add(rule.id);
        rules.push(rule);
      }
      errors.push(...result.errors);
    }
    const names: Record<SourceKind, Set<string>> = { Secret: new Set(), ConfigMap: new Set() };
    const bySource = new Map<string, Set<string>>();
    for (const rule of rules) {
      names[rule.source.kind].add(copyName(rule));
      if (rule.source.inline) continue;
      const key = objectKey(rule.source.kind, rule.source.namespace, rule.source.name);
      const set = bySource.get(key) ?? new Set();
      set.add(ruleCopyNameKey(rule));
      bySource.set(key, set);
    }
    this.namesBySource = bySource;
    this.rules = rules;
    this.errors = errors;
    this.held = held;
    this.copyNames = names;
  }
}
