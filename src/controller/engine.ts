// The controller of one cluster, as composition: watches (shared informers) -> observed state ->
// rule index (the dialects) -> plan() -> executor -> reporter. Every pass plans from the stores
// (never from remembered events), so a missed event or a restart cannot leave an orphan: copies
// are found by label and compared by content hash. Event handlers only say what an event can
// change (pipeline/pass-scheduler.ts decides when to plan): a rule, source or custom resource
// changes everything; a source's content changes the copies of its rules' names; a namespace, or
// an object where a copy could go, changes that namespace;
// the landing of our own write changes only that namespace's report; objects no rule reads or
// could write change nothing. Reports are kept by namespace (core/report-ledger.ts), so a
// namespace event costs work in that namespace, not a pass over every rule and namespace.
import { heldCopiesError } from "../core/held-copies.js";
import { PULL_LABEL } from "../core/marks.js";
import { planCopies, planSome } from "../core/partial-plan.js";
import { objectKey, plan, type PlanInput } from "../core/plan.js";
import { ReportLedger } from "../core/report-ledger.js";
import type { Action, CopyMarks, NamespaceInfo, ObservedObject, PlanResult, Policy, Rule, RuleError, RuleReport, SourceKind } from "../core/types.js";
import type { CustomResourceType, Dialect } from "../dialects/dialect.js";
import { relevantKeys, triggerKeysOf } from "../dialects/index.js";
import type { KubeClient } from "../kube/client.js";
import type { Informer } from "../kube/informer.js";
import { SharedInformers } from "../kube/shared-informers.js";
import type { Logger } from "../ops/logger.js";
import type { FerryMetrics } from "../ops/metrics.js";
import { tracer } from "../ops/tracing.js";
import { Executor, isLanding } from "../pipeline/executor.js";
import { executorMetrics } from "../pipeline/executor-metrics.js";
import { PassScheduler } from "../pipeline/pass-scheduler.js";
import { ObservedState } from "./observed-state.js";
import { Reporter } from "./reporter.js";
import { RuleIndex, type Overlay } from "./rule-index.js";
import { SourceReader } from "./source-reader.js";
import { TargetReads } from "./target-reads.js";

export type { Overlay } from "./rule-index.js";

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
  /** Leader election's gate: checked right before each write; false = send nothing more. */
  mayWrite?: () => boolean;
  /** Aborts when the leader's term ends: a write not sent by then (e.g. waiting for a rate-limit token) is not sent. */
  writeSignal?: AbortSignal;
  /** The composition root's shared informers; without them the engine watches on its own. */
  informers?: SharedInformers;
}

/** Counts and logs watch restarts (for shared informers: SharedInformersOptions.onRestart). */
export function watchRestarts(log: Logger, metrics: FerryMetrics | undefined): (watch: string, reason: string) => void {
  return (watch, reason) => {
    metrics?.watchRestarts.inc({ watch });
    log.warn({ watch, reason }, "watch restarting");
  };
}

export class Engine {
  private readonly options: EngineOptions;
  private readonly informers: SharedInformers;
  private readonly state: ObservedState;
  private readonly rules: RuleIndex;
  private readonly sources: SourceReader;
  private readonly targets: TargetReads;
  private readonly executor: Executor;
  private readonly scheduler: PassScheduler;
  private readonly reporter: Reporter;
  private readonly triggerKeys: string[];
  private stopped = false;
  private planned = false;
  private lastReports: RuleReport[] = [];
  private lastErrors: RuleError[] = [];
  /** The reports by namespace: full passes set them, focused passes and landings update them. */
  private readonly ledger = new ReportLedger();
  /** Namespaces where our writes landed since the reports were last published. */
  private readonly landed = new Set<string>();
  /** Called after every plan pass (tests and the CLI use it). */
  onPlanned?: (reports: RuleReport[], errors: RuleError[]) => void;

  constructor(options: EngineOptions) {
    this.options = options;
    const { client, logger: log } = options;
    this.triggerKeys = triggerKeysOf(options.dialects);
    this.informers =
      options.informers ??
      new SharedInformers({ client, relistIntervalMs: options.relistIntervalMs, silenceTimeoutMs: options.silenceTimeoutMs, onRestart: watchRestarts(log, options.metrics) });
    this.state = new ObservedState(
      this.informers,
      {
        ferryNamespace: options.ferryNamespace,
        policy: options.policy,
        relevantKeys: relevantKeys(this.triggerKeys, options.copyMarks),
        dialects: options.dialects,
        servedTypes: options.servedTypes ?? options.dialects.flatMap((d) => d.customResourceTypes ?? []),
      },
      {
        namespaceChanged: (name) => this.scheduler.requestNamespace(name),
        objectChanged: (kind, key, current, previous) => this.onObject(kind, key, current, previous),
        copyChanged: (kind, key, current, previous) => this.onCopy(kind, key, current, previous),
        resourceChanged: () => this.rulesChanged(),
        synced: () => this.scheduler.requestFull(),
      },
    );
    this.rules = new RuleIndex(this.state, { dialects: options.dialects, triggerKeys: this.triggerKeys, ferryNamespace: options.ferryNamespace, clusterName: options.policy.clusterName });
    this.sources = new SourceReader(client, this.state, log, (key) => this.sourceChanged(key));
    this.targets = new TargetReads(client, log, () => this.scheduler.requestFull());
    this.executor = new Executor({
      name: "copies",
      logger: log,
      observed: (key) => this.state.get(key),
      record: {
        written: (kind, object, basedOn) => this.state.recordWritten(kind, object, basedOn),
        deleted: (kind, namespace, name) => this.state.recordDeleted(kind, namespace, name),
      },
      concurrency: options.concurrency ?? 32,
      mayWrite: options.mayWrite,
      signal: options.writeSignal,
      metrics: executorMetrics(options.metrics, "copies"),
      onFailuresChanged: () => this.scheduler.requestFull(),
      namespaceTerminating: (namespace) => this.state.namespaces.store.get(namespace)?.terminating === true,
      onDrained: () => this.scheduler.drained(),
      onWritten: (_key, action) => this.written(action),
    });
    if (!options.dryRun) this.executor.connect(client);
    // A dry run (the CLI's status, explain and plan) writes nothing and wants whole reports: every event is a full pass.
    const partial = options.dryRun
      ? {}
      : { focused: (namespaces: ReadonlySet<string>) => this.runFocused(namespaces), copies: (names: ReadonlySet<string>) => this.runCopies(names), refresh: () => this.refreshReports() };
    this.scheduler = new PassScheduler({ full: () => this.runFull(), ...partial, busy: () => this.executor.busy, logger: log });
    this.reporter = new Reporter(client, log, options.metrics, options.mayWrite);
  }

  /** The namespaces watch (tests force a relist with it). */
  get namespaces(): Informer<NamespaceInfo> {
    return this.state.namespaces;
  }

  get policy(): Policy {
    return this.options.policy;
  }

  start(): void {
    this.informers.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.scheduler.stop();
    this.executor.stop();
    this.reporter.stop();
    // Shared informers are the composition root's to stop; the engine's own are its own.
    if (!this.options.informers) await this.informers.stop();
  }

  /** All caches listed and all watches connected, and at least one plan made. */
  isReady(): boolean {
    return this.planned && this.state.watches().every((watch) => watch.isHealthy());
  }

  hasSynced(): boolean {
    return this.state.hasSynced();
  }

  watchHealth(): Array<{ name: string; healthy: boolean; secondsSinceActivity: number; restarts: number }> {
    return this.state.watches().map((watch) => ({ name: watch.name, healthy: watch.isHealthy(), secondsSinceActivity: watch.secondsSinceActivity(), restarts: watch.restarts }));
  }

  /** The reports of the last plan pass. */
  reports(): { reports: RuleReport[]; errors: RuleError[] } {
    return { reports: this.lastReports, errors: this.lastErrors };
  }

  /** Resolves when no writes are queued, running or waiting to be retried. */
  idle(): Promise<void> {
    return this.executor.idle();
  }

  /** Asks for a full plan pass soon. */
  trigger(): void {
    this.scheduler.requestFull();
  }

  /** Plans with (or, with undefined, without) extra objects; the CLI's `plan -f` compares the two. */
  setOverlay(overlay: Overlay | undefined): void {
    this.rules.setOverlay(overlay);
  }

  /** Computes a plan from the current stores without acting on it; held copies are reported as errors of their objects. */
  computePlan(planned = this.planInput()): PlanResult & { rules: Rule[]; errors: RuleError[] } {
    const { input, rules, errors } = planned;
    const result = plan(input);
    // Objects a takeover must see whole are read now (a dry run's plan waits for them too).
    this.targets.want(result.dataKeysWanted, (key) => this.state.get(key), false);
    return { ...result, rules, errors: result.held ? [...errors, ...result.held.map(heldCopiesError)] : errors };
  }

  /** What the watches have seen at a target (a copy's record, or another object's identity). */
  observedObject(kind: SourceKind, namespace: string, name: string): ObservedObject | undefined {
    return this.state.get(objectKey(kind, namespace, name));
  }

  /** The namespaces this engine sees, for explanations. */
  namespaceInfo(name: string): NamespaceInfo | undefined {
    return this.state.namespaces.store.get(name);
  }

  /** What plan() reads; with `scope`, only our copies in those namespaces or by those names are candidates for pruning. */
  private planInput(scope?: { namespaces?: ReadonlySet<string>; names?: ReadonlySet<string> }): { input: PlanInput; rules: Rule[]; errors: RuleError[] } {
    const { rules, errors, held } = this.rules.current();
    const input: PlanInput = {
      rules,
      held,
      namespaces: this.state.namespaces.store,
      sources: this.sources.states(rules, this.rules.overlaySources),
      observed: this.state,
      managed: scope?.namespaces ? this.state.managedIn(scope.namespaces) : scope?.names ? this.state.managedNamed(scope.names) : this.state.managed(),
      policy: this.options.policy,
      triggerKeys: this.triggerKeys,
      copyMarks: this.options.copyMarks,
      dataKeys: this.targets.dataKeys,
      failures: this.executor.failures,
      tally: true,
    };
    return { input, rules, errors };
  }

  /** A full pass: plans every rule and namespace, hands the actions to the executor, and reports. */
  private runFull(): boolean {
    if (this.stopped || !this.hasSynced()) return false;
    const started = process.hrtime.bigint();
    const span = tracer().startSpan("ferry.plan");
    const planned = this.planInput();
    const result = this.computePlan(planned);
    span.setAttributes({ "ferry.rules": result.rules.length, "ferry.actions": result.actions.length, "ferry.errors": result.errors.length });
    span.end();
    this.targets.want(result.dataKeysWanted, (key) => this.state.get(key), true);
    this.ledger.replaceAll(planned.input.rules, result.reports, result.tallies ?? new Map());
    this.landed.clear();
    this.lastErrors = result.errors;
    this.planned = true;
    if (!this.options.dryRun) this.executor.run(result.actions);
    this.publish(result.reports, Number(process.hrtime.bigint() - started) / 1e9);
    return true;
  }

  /** The reports are behind the writes that landed: re-plan those namespaces for their reports only, then publish. */
  private refreshReports(): boolean {
    if (this.stopped || !this.planned || !this.hasSynced()) return true; // the first full pass reports
    const only = new Set(this.landed);
    this.landed.clear();
    if (only.size > 0) {
      const { input } = this.planInput({ namespaces: only });
      const result = planSome(input, only);
      if (!this.ledger.replaceNamespaces(input.rules, only, result.reports, result.tallies ?? new Map())) return false;
    } else if (!this.ledger.describes(this.rules.current().rules)) {
      return false;
    }
    this.publish(this.ledger.reports());
    return true;
  }

  /** Reports, statuses, Events and metrics; `passSeconds` for a full pass. */
  private publish(reports: RuleReport[], passSeconds?: number): void {
    this.lastReports = reports;
    if (!this.options.dryRun) {
      this.reporter.publishMetrics(reports, this.rules.current().rules, passSeconds, this.executor.depth);
      // No longer the leader: statuses and Events are the next leader's to write.
      if (this.options.mayWrite?.() !== false) this.reporter.report(reports, this.lastErrors, this.rules.origins());
    }
    this.onPlanned?.(reports, this.lastErrors);
  }

  /** Plans some namespaces on their own and queues what they need; the next full pass reports. */
  private runFocused(namespaces: ReadonlySet<string>): void {
    if (this.stopped || !this.planned || !this.hasSynced()) return; // the first full pass covers them
    const { input } = this.planInput({ namespaces });
    const result = planSome(input, namespaces);
    this.targets.want(result.dataKeysWanted, (key) => this.state.get(key), false);
    this.executor.runIn(namespaces, result.actions);
    // Planned with another rule set than the reports describe: the reports need a full pass.
    if (!this.ledger.replaceNamespaces(input.rules, namespaces, result.reports, result.tallies ?? new Map())) this.scheduler.requestFull();
  }

  /** Plans the copies of some names (a source's rules') on their own and queues what they need; the reports follow. */
  private runCopies(names: ReadonlySet<string>): void {
    if (this.stopped || !this.planned || !this.hasSynced()) return; // the first full pass covers them
    const { input } = this.planInput({ names });
    const result = planCopies(input, names);
    this.targets.want(result.dataKeysWanted, (key) => this.state.get(key), false);
    this.executor.runFor(names, result.actions);
    // Planned with another rule set than the reports describe: the reports need a full pass.
    if (!this.ledger.replaceRules(input.rules, result.reports, result.tallies ?? new Map())) this.scheduler.requestFull();
  }

  /** A source's content may have changed (or its read finished): plan the copies of its rules. */
  private sourceChanged(sourceKey: string): void {
    const names = this.rules.copyNamesOfSource(sourceKey);
    if (!names || names.size === 0) return this.scheduler.requestFull();
    this.scheduler.requestCopies(names);
  }

  /** A write landed: a takeover is reported on its rule's origin (Event, log line, metric). */
  private written(action: Action): void {
    if ((action.type !== "update" && action.type !== "replace") || !action.takeover) return;
    const rule = this.rules.current().rules.find((candidate) => candidate.id === action.ruleId);
    if (rule) this.reporter.tookOver(rule.origin, action.desired, action.takeover);
  }

  private rulesChanged(): void {
    this.rules.markDirty();
    this.scheduler.requestFull();
  }

  /** A change seen by the watch of our copies (or recorded from our own write). */
  private onCopy(kind: SourceKind, key: string, current: ObservedObject | undefined, previous: ObservedObject | undefined): void {
    // A pulled object is ours and also carries the keys that ask for the pull: it is a rule's origin.
    // (Other copies never carry trigger keys: a hand-added one is reverted like any edit.)
    if (current?.labels[PULL_LABEL] === "true" || previous?.labels[PULL_LABEL] === "true") return this.rulesChanged();
    const namespace = key.slice(0, key.indexOf("/"));
    if (isLanding(this.executor.latest(`${kind}/${key}`), current)) {
      this.landed.add(namespace);
      this.scheduler.confirm();
    } else this.scheduler.requestNamespace(namespace);
  }

  /** A change of a Secret/ConfigMap that is not our copy. */
  private onObject(kind: SourceKind, key: string, current: ObservedObject | undefined, previous: ObservedObject | undefined): void {
    const parsed = this.rules.ruleInputChanged(current, previous);
    if (parsed) this.rules.markDirty();
    const isSource = this.sources.changed(kind, key, current);
    if (parsed) return this.scheduler.requestFull();
    if (isSource) this.sourceChanged(`${kind}/${key}`);
    // An object matters where a rule could write a copy by its name (a source too may sit there).
    const slash = key.indexOf("/");
    if (this.rules.isCopyName(kind, key.slice(slash + 1))) this.scheduler.requestNamespace(key.slice(0, slash));
  }
}
