// The controller: watches feed stores, dialects turn objects into rules, plan() decides, a
// keyed work queue writes, and statuses/Events report. Every pass plans from the stores (never
// from remembered events), so a missed event or a restart cannot leave an orphan: copies are
// found by label and compared by content hash.
//
// What an event can change decides what is planned (issue 9's profile: a full pass at 20,000
// copies takes ~150 ms, and a fan-out used to run one per write):
// - rules, sources, custom resources, failures, (re)lists: a full pass (throttled to at most a
//   third of the time), which also publishes statuses and reports;
// - a namespace, or an object at a possible target in it: a pass over that namespace only
//   (planNamespaces, same decisions), at once; the full pass for the reports follows later;
// - the confirmation of Ferry's own write (the copy now is what the plan wanted), our copies as
//   the metadata watch sees them, and objects no rule reads or could write: nothing to decide;
//   the reports are refreshed when the writes drain, and at least every second meanwhile.
import { carriesKey } from "../core/key-match.js";
import { managedSelector } from "../core/marks.js";
import { copyName } from "../core/desired-copy.js";
import { PULL_LABEL, SOURCE_CLUSTER_LABEL, labelValue } from "../core/marks.js";
import { objectKey, plan, planNamespaces, type PlanInput, type SourceState } from "../core/plan.js";
import type { Action, CopyMarks, PlanResult, Policy, Rule, RuleError, RuleReport, SourceKind, SourceObject, ParseResult } from "../core/types.js";
import type { CustomResource, CustomResourceType, Dialect, DialectContext, SourceMetadata } from "../dialects/dialect.js";
import { relevantKeys, triggerKeysOf } from "../dialects/index.js";
import { parseResource, parseSource } from "../dialects/parse.js";
import { ApiError, KubeClient, isApiError } from "../kube/client.js";
import { CopyWriter, objectPath } from "../kube/copy-writer.js";
import { Informer, type KubeObject, type RunningWatch } from "../kube/informer.js";
import { WorkQueue } from "../kube/work-queue.js";
import type { Logger } from "../ops/logger.js";
import type { FerryMetrics } from "../ops/metrics.js";
import { tracer } from "../ops/tracing.js";
import { EventRecorder, type EventTarget } from "../kube/event-recorder.js";
import { ObservedView, copyRecord, metadataPacking, metadataRecord, namespaceInfo, sourceObject, toCustomResource } from "./observed-state.js";
import { StatusWriter } from "../kube/status-writer.js";

export interface EngineOptions {
  client: KubeClient;
  logger: Logger;
  metrics?: FerryMetrics;
  ferryNamespace: string;
  policy: Policy;
  dialects: Dialect[];
  /** The copy marks of every known dialect's tool (dialects/index.ts copyMarksOf): what `adopt` may take over. */
  copyMarks: ReadonlyMap<string, CopyMarks>;
  /** Custom resource types whose API is served (others are skipped). */
  servedTypes?: CustomResourceType[];
  /** Parallel writes (default 32). */
  concurrency?: number;
  relistIntervalMs?: number;
  silenceTimeoutMs?: number;
  /** Plan but never write (the CLI's status, explain and plan commands). */
  dryRun?: boolean;
}

/** Objects that are not in the cluster (yet), planned as if they were: `ferry plan -f`. */
export interface Overlay {
  sources: SourceObject[];
  resources: KubeObject[];
}

const kinds: SourceKind[] = ["Secret", "ConfigMap"];
const resourceOf: Record<SourceKind, string> = { Secret: "secrets", ConfigMap: "configmaps" };

function typeKey(type: CustomResourceType): string {
  return `${type.group}/${type.version}/${type.kind}`;
}

function customResourcePath(type: CustomResourceType, namespace?: string, name?: string): string {
  const base = `/apis/${type.group}/${type.version}`;
  const scoped = type.namespaced && namespace ? `${base}/namespaces/${namespace}/${type.plural}` : `${base}/${type.plural}`;
  return name ? `${scoped}/${name}` : scoped;
}

const isPulled = (record: ObservedRecord | undefined) => record?.labels[PULL_LABEL] === "true";

/** What an informer callback gets of a Secret/ConfigMap record. */
type ObservedRecord = { resourceVersion?: string; labels: Record<string, string>; annotations: Record<string, string>; contentHash?: string };

interface ParsedOrigin {
  result: ParseResult;
  dialect: Dialect;
  resource?: CustomResource;
  type?: CustomResourceType;
}

export class Engine {
  private readonly options: EngineOptions;
  private readonly log: Logger;
  readonly namespaces: Informer<ReturnType<typeof namespaceInfo>>;
  private readonly metadata: Record<SourceKind, Informer<ReturnType<ReturnType<typeof metadataRecord>>>>;
  private readonly copies: Record<SourceKind, Informer<ReturnType<ReturnType<typeof copyRecord>>>>;
  private readonly customResources = new Map<string, { type: CustomResourceType; dialects: Dialect[]; informer: Informer<KubeObject> }>();
  private readonly informers: RunningWatch[] = [];
  private readonly triggerKeys: string[];
  private readonly sources = new Map<string, SourceState>();
  private readonly loading = new Set<string>();
  private readonly sourceRetries = new Map<string, { failures: number; at: number }>();
  private parsed = new Map<string, ParsedOrigin>();
  private parseDirty = true;
  private latestActions = new Map<string, Action>();
  private failures = new Map<string, { reason: string; message: string }>();
  private readonly queue: WorkQueue;
  private readonly writer: CopyWriter;
  private readonly events: EventRecorder;
  private readonly statuses: StatusWriter;
  private planTimer: NodeJS.Timeout | undefined;
  private planDueAt = 0;
  private lastPlanEnd = 0;
  /** Our writes landed since the last full pass: the reports are behind, the actions are not. */
  private reportsStale = false;
  /** Namespaces to plan on their own soon (namespace changes, objects at possible targets). */
  private readonly dirtyNamespaces = new Set<string>();
  private focusTimer: NodeJS.Timeout | undefined;
  /** Names copies of the current rules take, per kind: an object by any other name is no target. */
  private copyNames: Record<SourceKind, Set<string>> = { Secret: new Set(), ConfigMap: new Set() };
  private stopped = false;
  private planned = false;
  private lastReports: RuleReport[] = [];
  /** The problem (reason) last reported as an Event per rule id. */
  private readonly reportedProblems = new Map<string, string>();
  /** Duration of the last plan pass: the next pass waits at least twice that, so planning never starves writing. */
  private lastPlanMs = 0;
  private lastErrors: RuleError[] = [];
  private overlay: Overlay | undefined;
  /** Called after every plan pass (tests and the CLI use it). */
  onPlanned?: (reports: RuleReport[], errors: RuleError[]) => void;

  constructor(options: EngineOptions) {
    this.options = options;
    this.log = options.logger;
    const { client } = options;
    this.triggerKeys = triggerKeysOf(options.dialects);
    const watchOptions = { client, relistIntervalMs: options.relistIntervalMs, silenceTimeoutMs: options.silenceTimeoutMs };
    const hooks = (name: string) => ({
      onRestart: (reason: string) => {
        options.metrics?.watchRestarts.inc({ watch: name });
        this.log.warn({ watch: name, reason }, "watch restarting");
      },
      onSynced: () => this.trigger(),
    });
    this.namespaces = new Informer({
      ...watchOptions,
      ...hooks("namespaces"),
      name: "namespaces",
      path: "/api/v1/namespaces",
      transform: namespaceInfo,
      onChange: (_event, name) => this.touchNamespace(name),
    });
    const relevant = relevantKeys(this.triggerKeys, options.copyMarks);
    const makeMetadata = (kind: SourceKind) =>
      new Informer({
        ...watchOptions,
        ...hooks(`${resourceOf[kind]}-metadata`),
        name: `${resourceOf[kind]}-metadata`,
        path: `/api/v1/${resourceOf[kind]}`,
        // Our own copies come (in full) from the copies watch only: not listing and watching them a
        // second time halves what the apiserver sends per copy written, and what Ferry keeps.
        labelSelector: `${SOURCE_CLUSTER_LABEL} notin (${labelValue(options.policy.clusterName)})`,
        metadataOnly: true,
        transform: metadataRecord(kind, relevant),
        packing: metadataPacking(kind),
        onChange: (_event, key, current, previous) => this.onSourceMetadata(kind, key, current, previous),
      });
    this.metadata = { Secret: makeMetadata("Secret"), ConfigMap: makeMetadata("ConfigMap") };
    const makeCopies = (kind: SourceKind) =>
      new Informer({
        ...watchOptions,
        ...hooks(`${resourceOf[kind]}-copies`),
        name: `${resourceOf[kind]}-copies`,
        path: `/api/v1/${resourceOf[kind]}`,
        labelSelector: managedSelector(options.policy.clusterName),
        transform: copyRecord(kind),
        onChange: (_event, key, current, previous) => this.onCopy(kind, key, current, previous),
      });
    this.copies = { Secret: makeCopies("Secret"), ConfigMap: makeCopies("ConfigMap") };
    this.informers.push(this.namespaces, this.metadata.Secret, this.metadata.ConfigMap, this.copies.Secret, this.copies.ConfigMap);
    const served = new Set((options.servedTypes ?? options.dialects.flatMap((d) => d.customResourceTypes ?? [])).map(typeKey));
    for (const dialect of options.dialects) {
      for (const type of dialect.customResourceTypes ?? []) {
        if (!served.has(typeKey(type))) continue;
        const existing = this.customResources.get(typeKey(type));
        if (existing) {
          existing.dialects.push(dialect);
          continue;
        }
        const informer = new Informer<KubeObject>({
          ...watchOptions,
          ...hooks(type.plural),
          name: `${type.plural}.${type.group}`,
          path: customResourcePath(type),
          onChange: () => {
            this.parseDirty = true;
            this.trigger();
          },
        });
        this.customResources.set(typeKey(type), { type, dialects: [dialect], informer });
        this.informers.push(informer);
      }
    }
    this.writer = new CopyWriter(client, {
      written: (kind, object, basedOn) => this.copies[kind].recordWrite(object, basedOn),
      deleted: (kind, namespace, name) => {
        this.copies[kind].recordDelete(`${namespace}/${name}`);
        this.metadata[kind].recordDelete(`${namespace}/${name}`);
      },
      counted: (verb, kind) => options.metrics?.writes.inc({ verb, kind }),
    });
    this.queue = new WorkQueue({
      concurrency: options.concurrency ?? 32,
      handler: (key) => this.process(key),
      onError: (key, error, failures) => {
        const reason = error instanceof ApiError ? error.reason : "Error";
        options.metrics?.writeErrors.inc({ reason });
        this.failures.set(key, { reason, message: (error as Error).message });
        if (failures === 1 || failures % 10 === 0) this.log.warn({ target: key, reason, failures, err: (error as Error).message }, "write failed");
        this.trigger();
      },
      onAdd: () => options.metrics?.queueAdds.inc({ queue: "copies" }),
      onDrained: () => {
        if (this.reportsStale) this.trigger();
      },
      onRetry: () => options.metrics?.queueRetries.inc({ queue: "copies" }),
      onDone: (_key, queuedMs) => {
        options.metrics?.queueDepth.set({ queue: "copies" }, this.queue.depth);
        options.metrics?.queueLatency.observe({ queue: "copies" }, queuedMs / 1000);
      },
    });
    // Events of cluster-scoped objects go to `default`, where `kubectl describe` looks for them.
    this.events = new EventRecorder(client, this.log, "default");
    this.statuses = new StatusWriter(client, this.log, (error) => this.log.warn({ err: error.message }, "status write failed"));
  }

  start(): void {
    for (const informer of this.informers) informer.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.planTimer) clearTimeout(this.planTimer);
    if (this.focusTimer) clearTimeout(this.focusTimer);
    this.queue.stop();
    await Promise.all(this.informers.map((informer) => informer.stop()));
  }

  /** All caches listed and all watches connected, and at least one plan made. */
  isReady(): boolean {
    return this.planned && this.informers.every((informer) => informer.isHealthy());
  }

  hasSynced(): boolean {
    return this.informers.every((informer) => informer.hasSynced());
  }

  watchHealth(): Array<{ name: string; healthy: boolean; secondsSinceActivity: number; restarts: number }> {
    return this.informers.map((informer) => ({
      name: informer.name,
      healthy: informer.isHealthy(),
      secondsSinceActivity: informer.secondsSinceActivity(),
      restarts: informer.restarts,
    }));
  }

  /** The reports of the last plan pass. */
  reports(): { reports: RuleReport[]; errors: RuleError[] } {
    return { reports: this.lastReports, errors: this.lastErrors };
  }

  /** Resolves when no writes are queued, running or waiting to be retried. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /**
   * Asks for a full plan pass soon; many triggers in a burst make one pass. A pass starts at least
   * twice its last duration (at most 250 ms) after the previous one ended, so planning never
   * starves writing, but one event after a quiet spell is planned at once.
   */
  trigger(): void {
    this.schedulePlan(Math.max(Date.now() + 5, this.lastPlanEnd + Math.min(250, this.lastPlanMs * 2)));
  }

  /** Our own write landed: nothing new to decide; refresh the reports when the writes drain (or within a second). */
  private confirm(): void {
    this.reportsStale = true;
    if (this.queue.depth === 0 && this.queue.inFlight === 0) this.trigger();
    else this.schedulePlan(this.reportRefreshAt());
  }

  /** When a full pass that only refreshes reports may run: not before the writes it reports on are sent, at most every second. */
  private reportRefreshAt(): number {
    return Math.max(Date.now() + Math.max(100, this.lastPlanMs * 2), this.lastPlanEnd + Math.max(1000, this.lastPlanMs * 10));
  }

  private schedulePlan(at: number): void {
    if (this.stopped || (this.planTimer && this.planDueAt <= at)) return;
    if (this.planTimer) clearTimeout(this.planTimer);
    this.planDueAt = at;
    this.planTimer = setTimeout(() => {
      this.planTimer = undefined;
      this.guarded(() => this.runPlan());
    }, Math.max(0, at - Date.now()));
  }

  /** A pass that throws is a bug; it is logged and must not take the controller down. */
  private guarded(pass: () => void): void {
    try {
      pass();
    } catch (error) {
      this.log.error({ err: (error as Error).message, stack: (error as Error).stack }, "plan pass failed");
    }
  }

  /** Something in this namespace changed that only its own targets depend on: plan it on its own, now. */
  private touchNamespace(namespace: string): void {
    if (this.stopped) return;
    this.dirtyNamespaces.add(namespace);
    this.reportsStale = true;
    this.schedulePlan(this.reportRefreshAt());
    this.focusTimer ??= setTimeout(() => {
      this.focusTimer = undefined;
      this.guarded(() => this.runFocused());
    }, 2);
  }

  /** A change seen by the watch of our copies (or recorded from our own write). */
  private onCopy(kind: SourceKind, key: string, current: ObservedRecord | undefined, previous: ObservedRecord | undefined): void {
    // A pulled object is ours and also carries the keys that ask for the pull: it is a rule's origin.
    // (Other copies never carry trigger keys: a hand-added one is reverted like any edit.)
    if (isPulled(current) || isPulled(previous)) {
      this.parseDirty = true;
      return this.trigger();
    }
    const action = this.latestActions.get(`${kind}/${key}`);
    const asPlanned = action !== undefined && (action.type === "delete" ? current === undefined : current?.contentHash === action.desired.contentHash);
    if (asPlanned) this.confirm();
    else this.touchNamespace(key.slice(0, key.indexOf("/")));
  }

  private carriesTriggerKeys(record: ObservedRecord | undefined): boolean {
    return record !== undefined && carriesKey(record, this.triggerKeys);
  }

  private onSourceMetadata(kind: SourceKind, key: string, current: ObservedRecord | undefined, previous: ObservedRecord | undefined): void {
    const parsed = this.carriesTriggerKeys(current) || this.carriesTriggerKeys(previous);
    if (parsed) this.parseDirty = true;
    const sourceKey = `${kind}/${key}`;
    const known = this.sources.get(sourceKey);
    if (known !== undefined) {
      if (!current) this.sources.set(sourceKey, "missing");
      else if (known === "missing" || (typeof known === "object" && known.resourceVersion !== current.resourceVersion)) this.loadSource(kind, sourceKey);
    }
    if (parsed || known !== undefined) return this.trigger();
    // (Our own copies are not in this watch.) Anything else matters only where a rule could write
    // a copy by its name.
    const slash = key.indexOf("/");
    if (this.copyNames[kind].has(key.slice(slash + 1))) this.touchNamespace(key.slice(0, slash));
  }

  private dialectContext(): DialectContext {
    return {
      ferryNamespace: this.options.ferryNamespace,
      clusterName: this.options.policy.clusterName,
      lookupSource: (kind, namespace, name) => {
        const record = this.metadata[kind].store.get(`${namespace}/${name}`);
        return record ? { kind, namespace, name, uid: record.uid, resourceVersion: record.resourceVersion, labels: record.labels, annotations: record.annotations } : undefined;
      },
      lookupCustomResource: (type, namespace, name) => {
        const entry = this.customResources.get(typeKey(type));
        const object = entry?.informer.store.get(namespace ? `${namespace}/${name}` : name);
        return object ? toCustomResource(object) : undefined;
      },
    };
  }

  /** Re-runs every dialect over the objects that carry their keys, and over their custom resources. */
  private parseAll(): void {
    const context = this.dialectContext();
    const parsed = new Map<string, ParsedOrigin>();
    const overlaid = new Set((this.overlay?.sources ?? []).map((o) => objectKey(o.kind, o.namespace, o.name)));
    for (const kind of kinds) {
      const records = [
        // Packed records carry no keys at all, so only whole ones can be sources of a dialect.
        ...[...this.metadata[kind].store.wholeValues()].filter((r) => !overlaid.has(objectKey(kind, r.namespace, r.name))),
        // Our copies are not in the metadata watch; pulled objects among them keep the keys that asked.
        ...[...this.copies[kind].store.values()].filter((r) => isPulled(r) && !overlaid.has(objectKey(kind, r.namespace, r.name))),
        ...(this.overlay?.sources ?? []).filter((o) => o.kind === kind),
      ];
      for (const record of records) {
        if (!carriesKey(record, this.triggerKeys)) continue;
        const meta: SourceMetadata = { kind, namespace: record.namespace, name: record.name, uid: record.uid, resourceVersion: record.resourceVersion, labels: record.labels, annotations: record.annotations };
        for (const dialect of this.options.dialects) {
          if (!dialect.fromSource || !carriesKey(record, dialect.triggerKeys)) continue;
          parsed.set(`${dialect.name}|${kind}/${record.namespace}/${record.name}`, { dialect, result: parseSource(dialect, meta, context) });
        }
      }
    }
    for (const { type, dialects, informer } of this.customResources.values()) {
      const extra = (this.overlay?.resources ?? []).filter((o) => o.apiVersion === `${type.group}/${type.version}` && o.kind === type.kind);
      const extraKeys = new Set(extra.map((o) => `${o.metadata.namespace ?? ""}/${o.metadata.name}`));
      const objects = [...[...informer.store.values()].filter((o) => !extraKeys.has(`${o.metadata.namespace ?? ""}/${o.metadata.name}`)), ...extra];
      for (const object of objects) {
        const resource = toCustomResource(object);
        for (const dialect of dialects) {
          if (!dialect.fromCustomResource) continue;
          parsed.set(`${dialect.name}|${typeKey(type)}/${resource.metadata.namespace ?? ""}/${resource.metadata.name}`, {
            dialect,
            resource,
            type,
            result: parseResource(dialect, resource, context),
          });
        }
      }
    }
    // Bad input must not cost copies: an object whose new version only yields errors keeps the
    // rules of its last good version (its Event says why); deleting the object still prunes.
    for (const [key, origin] of parsed) {
      const previous = this.parsed.get(key);
      if (origin.result.rules.length === 0 && origin.result.errors.length > 0 && previous && previous.result.rules.length > 0) {
        parsed.set(key, { ...origin, result: { rules: previous.result.rules, errors: origin.result.errors } });
      }
    }
    this.parsed = parsed;
    this.parseDirty = false;
  }

  /** Reads a source in full. A failed read is retried with backoff (never given up, never hot). */
  private loadSource(kind: SourceKind, key: string): void {
    const retry = this.sourceRetries.get(key);
    if (this.loading.has(key) || (retry && retry.at > Date.now())) return;
    this.loading.add(key);
    const [, namespace, name] = key.split("/") as [string, string, string];
    this.options.client
      .getOptional<KubeObject>(objectPath(kind, namespace, name))
      .then((object) => {
        this.sources.set(key, object ? sourceObject(kind, object) : "missing");
        this.sourceRetries.delete(key);
      })
      .catch((error: Error) => {
        const failures = (this.sourceRetries.get(key)?.failures ?? 0) + 1;
        const wait = Math.min(30_000, 250 * 2 ** Math.min(failures, 7));
        this.sourceRetries.set(key, { failures, at: Date.now() + wait });
        setTimeout(() => this.trigger(), wait + 10).unref();
        if (failures === 1 || failures % 10 === 0) this.log.warn({ source: key, failures, err: error.message }, "could not read source");
      })
      .finally(() => {
        this.loading.delete(key);
        this.trigger();
      });
  }

  private sourceStates(rules: Rule[]): Map<string, SourceState> {
    const states = new Map<string, SourceState>();
    for (const rule of rules) {
      if (rule.source.inline) continue;
      const key = objectKey(rule.source.kind, rule.source.namespace, rule.source.name);
      if (states.has(key)) continue;
      const overlaid = this.overlay?.sources.find((o) => objectKey(o.kind, o.namespace, o.name) === key);
      if (overlaid) {
        states.set(key, overlaid);
        continue;
      }
      const storeKey = `${rule.source.namespace}/${rule.source.name}`;
      // A rule may name one of our copies as its source (refused as SourceIsCopy once read).
      const meta = this.metadata[rule.source.kind].store.get(storeKey) ?? this.copies[rule.source.kind].store.get(storeKey);
      let state = this.sources.get(key);
      if (!meta) state = "missing";
      else if (state === undefined || state === "missing" || state === "unknown" || state.resourceVersion !== meta.resourceVersion) {
        this.loadSource(rule.source.kind, key);
        if (state === undefined || state === "missing") state = "unknown";
      }
      this.sources.set(key, state);
      states.set(key, state);
    }
    // Forget sources no rule refers to any more.
    for (const key of this.sources.keys()) {
      if (!states.has(key) && !this.loading.has(key)) {
        this.sources.delete(key);
        this.sourceRetries.delete(key);
      }
    }
    return states;
  }

  /** Plans with (or, with undefined, without) extra objects; the CLI's `plan -f` compares the two. */
  setOverlay(overlay: Overlay | undefined): void {
    this.overlay = overlay;
    this.parseDirty = true;
  }

  /** Computes a plan from the current stores without acting on it. */
  computePlan(): PlanResult & { rules: Rule[]; errors: RuleError[] } {
    const { input, rules, errors } = this.planInput();
    return { ...plan(input), rules, errors };
  }

  private planInput(): { input: PlanInput; rules: Rule[]; errors: RuleError[] } {
    if (this.parseDirty) this.parseAll();
    const rules: Rule[] = [];
    const errors: RuleError[] = [];
    const seen = new Set<string>();
    for (const { result } of this.parsed.values()) {
      for (const rule of result.rules) {
        if (seen.has(rule.id)) continue;
        seen.add(rule.id);
        rules.push(rule);
      }
      errors.push(...result.errors);
    }
    const names: Record<SourceKind, Set<string>> = { Secret: new Set(), ConfigMap: new Set() };
    for (const rule of rules) names[rule.source.kind].add(copyName(rule));
    this.copyNames = names;
    const view = this.observedView();
    const input: PlanInput = {
      rules,
      namespaces: this.namespaces.store,
      sources: this.sourceStates(rules),
      observed: view,
      managed: view.managed(),
      policy: this.options.policy,
      triggerKeys: this.triggerKeys,
      copyMarks: this.options.copyMarks,
      failures: this.failures,
    };
    return { input, rules, errors };
  }

  /** Plans the dirty namespaces on their own and queues what they need; the next full pass reports. */
  private runFocused(): void {
    if (this.stopped || this.dirtyNamespaces.size === 0) return;
    const only = new Set(this.dirtyNamespaces);
    this.dirtyNamespaces.clear();
    if (!this.planned || this.options.dryRun || !this.hasSynced()) return; // the first full pass covers them
    const actions = planNamespaces(this.planInput().input, only);
    const wanted = new Set(actions.map((action) => action.key));
    for (const key of this.latestActions.keys()) {
      const namespace = key.split("/")[1]!;
      if (only.has(namespace) && !wanted.has(key)) this.latestActions.delete(key);
    }
    for (const action of actions) {
      this.latestActions.set(action.key, action);
      this.queue.add(action.key);
    }
  }

  /** What the watches have seen at a target (a copy's record, or another object's identity). */
  observedObject(kind: SourceKind, namespace: string, name: string) {
    return this.observedView().get(objectKey(kind, namespace, name));
  }

  /** The namespaces this engine sees, for explanations. */
  namespaceInfo(name: string) {
    return this.namespaces.store.get(name);
  }

  get policy(): Policy {
    return this.options.policy;
  }

  private observedView(): ObservedView {
    return new ObservedView(
      { Secret: this.metadata.Secret.store, ConfigMap: this.metadata.ConfigMap.store },
      { Secret: this.copies.Secret.store, ConfigMap: this.copies.ConfigMap.store },
    );
  }

  private runPlan(): void {
    if (this.stopped || !this.hasSynced()) return;
    const started = process.hrtime.bigint();
    // This pass covers every namespace and refreshes every report.
    this.dirtyNamespaces.clear();
    this.reportsStale = false;
    const span = tracer().startSpan("ferry.plan");
    const result = this.computePlan();
    span.setAttributes({ "ferry.rules": result.rules.length, "ferry.actions": result.actions.length, "ferry.errors": result.errors.length });
    span.end();
    const { rules, errors } = result;
    this.lastReports = result.reports;
    this.lastErrors = errors;
    this.planned = true;
    if (this.options.dryRun) {
      this.onPlanned?.(result.reports, errors);
      return;
    }
    const actions = new Map(result.actions.map((action) => [action.key, action]));
    for (const key of this.failures.keys()) {
      if (!actions.has(key)) {
        this.failures.delete(key);
        this.queue.forget(key);
      }
    }
    this.latestActions = actions;
    for (const key of actions.keys()) this.queue.add(key);
    const metrics = this.options.metrics;
    if (metrics) {
      metrics.reconciles.inc({ controller: "distribution", result: "ok" });
      metrics.reconcileSeconds.observe({ controller: "distribution" }, Number(process.hrtime.bigint() - started) / 1e9);
      metrics.queueDepth.set({ queue: "copies" }, this.queue.depth);
      const sum = (field: "desired" | "synced" | "conflicts" | "failed") => result.reports.reduce((total, report) => total + report[field], 0);
      metrics.copies.set({ state: "desired" }, sum("desired"));
      metrics.copies.set({ state: "synced" }, sum("synced"));
      metrics.copies.set({ state: "conflict" }, sum("conflicts"));
      metrics.copies.set({ state: "failed" }, sum("failed"));
      metrics.rules.reset();
      for (const rule of rules) metrics.rules.inc({ dialect: rule.origin.dialect });
      for (const informer of this.informers) metrics.secondsSinceWatchEvent.set({ watch: informer.name }, Math.min(informer.secondsSinceActivity(), 1e9));
    }
    this.report(result.reports, errors);
    this.lastPlanMs = Number(process.hrtime.bigint() - started) / 1e6;
    this.lastPlanEnd = Date.now();
    this.onPlanned?.(result.reports, errors);
  }

  /** Statuses of custom resources, and Events for problems, conflicts and bad input. */
  private report(reports: RuleReport[], errors: RuleError[]): void {
    const byOrigin = new Map<string, RuleReport[]>();
    const originKey = (origin: { kind: string; namespace?: string; name: string }) => `${origin.kind}/${origin.namespace ?? ""}/${origin.name}`;
    for (const report of reports) {
      const key = originKey(report.rule.origin);
      const list = byOrigin.get(key);
      if (list) list.push(report);
      else byOrigin.set(key, [report]);
    }
    const errorsByOrigin = new Map<string, RuleError[]>();
    for (const error of errors) {
      const key = originKey(error.origin);
      errorsByOrigin.set(key, [...(errorsByOrigin.get(key) ?? []), error]);
      const target: EventTarget = { ...error.origin };
      this.events.record(target, "Warning", error.reason, error.message);
      this.log.warn({ dialect: error.origin.dialect, kind: error.origin.kind, namespace: error.origin.namespace, name: error.origin.name, reason: error.reason }, error.message);
    }
    for (const report of reports) {
      const target: EventTarget = { ...report.rule.origin };
      const problem = report.problem && report.problem.reason !== "SourcePending" ? report.problem : undefined;
      const previous = this.reportedProblems.get(report.rule.id);
      // A problem that went away is forgotten, so its Event is recorded again if it comes back.
      if (previous && previous !== problem?.reason) this.events.clear(target, previous);
      if (problem) {
        this.events.record(target, "Warning", problem.reason, problem.message);
        this.reportedProblems.set(report.rule.id, problem.reason);
      } else {
        this.reportedProblems.delete(report.rule.id);
      }
      for (const outcome of report.outcomes) {
        if (outcome.state === "Conflict" || outcome.state === "Denied" || outcome.state === "Failed") {
          this.events.record(target, "Warning", outcome.reason, `${outcome.namespace}/${outcome.name}: ${outcome.message}`);
        }
      }
    }
    const live = new Set(reports.map((report) => report.rule.id));
    for (const id of this.reportedProblems.keys()) if (!live.has(id)) this.reportedProblems.delete(id);
    for (const origin of this.parsed.values()) {
      if (!origin.resource || !origin.type || !origin.dialect.statusFor) continue;
      const key = originKey({ kind: origin.resource.kind, namespace: origin.type.namespaced ? origin.resource.metadata.namespace : undefined, name: origin.resource.metadata.name });
      const status = origin.dialect.statusFor(origin.resource, byOrigin.get(key) ?? [], errorsByOrigin.get(key) ?? []);
      if (status) this.statuses.update(customResourcePath(origin.type, origin.resource.metadata.namespace, origin.resource.metadata.name), origin.resource, status);
    }
  }

  /** Queue worker: does what the latest plan wants for this key, if it is still needed. */
  private async process(key: string): Promise<void> {
    const action = this.latestActions.get(key);
    if (!action) return;
    const observed = this.observedView().get(key);
    if (action.type === "delete" ? !observed : action.type === "create" ? observed !== undefined : observed?.contentHash === action.desired.contentHash) {
      return; // already done (by our own earlier write, or the world changed): the next plan decides
    }
    const target = action.type === "delete" ? action : action.desired;
    const span = tracer().startSpan("ferry.write", {
      attributes: { "ferry.action": action.type, "ferry.kind": target.kind, "ferry.namespace": target.namespace, "ferry.name": target.name, "ferry.rule": action.ruleId ?? "" },
    });
    try {
      await this.writer.execute(action);
    } catch (error) {
      span.setStatus({ code: 2, message: error instanceof ApiError ? error.reason : "Error" });
      if (action.type === "create" && isApiError(error, 409)) {
        // Exists but not seen yet: the metadata watch will show it, and the plan will decide.
        throw new ApiError(409, "AlreadyExists", `${key} already exists`);
      }
      throw error;
    } finally {
      span.end();
    }
    if (this.latestActions.get(key) === action) this.latestActions.delete(key);
    if (this.failures.delete(key)) this.trigger();
  }
}
