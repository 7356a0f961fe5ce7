// One member cluster, as the hub sees it: watches of the member (Informers), plan() of the hub's
// rules against them (policy.clusterName = the hub's name, so only the hub's own copies are ever
// updated or deleted), a keyed work queue with backoff that writes with a CopyWriter, and the
// member's status. A member that is down, cut off or refuses the credential only affects itself.
//
// Watches on the member, by need and by what the credential allows:
//   - always: Secrets and ConfigMaps in the member's Ferry namespace, in full (the push target;
//     every object there, so a name held by someone else is a reported conflict, not a write);
//   - always tried: the hub's copies in every namespace, label-selected (so copies of a rule that
//     went away are found and deleted, never remembered). Refused (403) by a namespace-only
//     credential: then quietly off until a ClusterDistribution targets this member;
//   - while a ClusterDistribution targets this member: namespaces, and Secret/ConfigMap metadata
//     in every namespace (target selection and conflicts), as the in-cluster engine does.
import { objectKey, plan, type ObservedLookup, type SourceState } from "../core/plan.js";
import type { Action, CopyMarks, NamespaceInfo, ObservedObject, Policy, Rule, RuleReport, SourceKind } from "../core/types.js";
import { managedSelector } from "../core/marks.js";
import { copyRecord, metadataPacking, metadataRecord, namespaceInfo } from "../controller/observed-state.js";
import type { RecordPacking } from "../kube/record-store.js";
import { ApiError, KubeClient, isApiError, type KubeClientOptions } from "../kube/client.js";
import { CopyWriter } from "../kube/copy-writer.js";
import { Informer, type KubeObject } from "../kube/informer.js";
import { WorkQueue } from "../kube/work-queue.js";
import type { Logger } from "../ops/logger.js";
import { waitFor } from "../util/wait-for.js";
import type { MemberMetrics } from "./metrics.js";
import type { ParsedRegistration } from "./registration.js";
import { rulesForMember, type HubRules } from "./rules.js";
import { protectedNamespaces } from "../core/protected-namespaces.js";
import { redact } from "../core/redact.js";
import type { FailingTarget, MemberStatus } from "./status.js";

const kinds: SourceKind[] = ["Secret", "ConfigMap"];
const resourceOf: Record<SourceKind, string> = { Secret: "secrets", ConfigMap: "configmaps" };
const maxFailingTargets = 10;

export interface MemberWorkerOptions {
  registration: ParsedRegistration;
  hubName: string;
  logger: Logger;
  /** Trigger keys of every dialect: stripped from copies so they never look like sources (mw-sync pushes keep theirs). */
  triggerKeys: readonly string[];
  /** The copy marks of every known dialect's tool (plan()'s `adopt`). */
  copyMarks: ReadonlyMap<string, CopyMarks>;
  /** Parallel writes to this member. */
  concurrency: number;
  clientOptions?: KubeClientOptions;
  metrics?: MemberMetrics;
  relistIntervalMs?: number;
  silenceTimeoutMs?: number;
  /** Called when this member's status may have changed. */
  onStatus: () => void;
}

type Store = Informer<ObservedObject>;
/** What the worker needs of any of its informers, whatever they store. */
type Watch = Pick<Informer<object>, "name" | "isHealthy" | "hasSynced" | "stop" | "requestRelist">;

interface ClusterView {
  namespaces: Informer<NamespaceInfo>;
  metadata: Record<SourceKind, Store>;
}

/** Errors that mean "the member's API server did not answer". */
function isContactError(error: Error): boolean {
  if (!(error instanceof ApiError)) return true;
  return error.status === 0 || error.status === 502 || error.status === 503 || error.status === 504;
}

export class MemberWorker {
  readonly name: string;
  private labels: Record<string, string>;
  private readonly memberNamespace: string;
  private readonly log: Logger;
  private client: KubeClient | undefined;
  private clientProblem: string | undefined;
  private clientRetry: NodeJS.Timeout | undefined;
  private clientFailures = 0;
  private writer: CopyWriter | undefined;
  private l1: Record<SourceKind, Store> | undefined;
  private managed: Record<SourceKind, Store> | undefined;
  private managedForbidden = false;
  private view: ClusterView | undefined;
  private rules: HubRules | undefined;
  private readonly queue: WorkQueue;
  private latestActions = new Map<string, Action>();
  private readonly failures = new Map<string, { reason: string; message: string }>();
  private readonly informerErrors = new Map<string, { error: Error; message: string; contact: boolean }>();
  private readonly syncCounts = new Map<string, number>();
  private planTimer: NodeJS.Timeout | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private probeFailures = 0;
  private lastPlanMs = 0;
  private stopped = false;
  private planPasses = 0;
  private wasInSync = false;
  private lastSyncTime: string | null = null;
  private lastReachable = true;
  private planned: { desired: number; synced: number; conflicts: number; failed: number; pending: number; held: number; failing: FailingTarget[] } | undefined;
  private current: MemberStatus;
  private readonly policy: Policy;

  constructor(private readonly options: MemberWorkerOptions) {
    const parsed = options.registration;
    this.name = parsed.ok ? parsed.registration.name : parsed.problem.name;
    this.labels = parsed.ok ? parsed.registration.labels : parsed.problem.labels;
    this.memberNamespace = parsed.ok ? parsed.registration.memberNamespace : "";
    this.log = options.logger.child({ member: this.name });
    this.policy = {
      mode: "guarded",
      protectedNamespaces: protectedNamespaces(this.memberNamespace),
      clusterName: options.hubName,
    };
    if (!parsed.ok) this.clientProblem = parsed.problem.message;
    this.queue = new WorkQueue({
      concurrency: options.concurrency,
      baseBackoffMs: 250,
      maxBackoffMs: 30_000,
      handler: (key) => this.process(key),
      onError: (key, error, failures) => {
        const reason = error instanceof ApiError ? error.reason : "Error";
        const message = this.explain(error as Error, "write");
        options.metrics?.countWriteError(this.name, reason);
        this.failures.set(key, { reason, message });
        if (failures === 1 || failures % 10 === 0) this.log.warn({ target: key, reason, failures, err: message }, "write to member failed");
        if (error instanceof Error && isContactError(error)) this.noteContactError("write", error);
        this.trigger();
      },
    });
    this.current = this.buildStatus();
  }

  /** Creates the client and starts the watches (retries with backoff when the client cannot be built). */
  start(): void {
    if (!this.options.registration.ok || this.stopped) {
      this.refreshStatus();
      return;
    }
    const registration = this.options.registration.registration;
    let kubeConfig;
    try {
      kubeConfig = registration.kubeConfig();
    } catch {
      this.clientProblem = `registration Secret ${registration.secret.namespace}/${registration.secret.name}: could not build a client configuration`;
      this.refreshStatus();
      return;
    }
    KubeClient.create(kubeConfig, { qps: 100, burst: 200, ...this.options.clientOptions })
      .then((client) => {
        if (this.stopped) {
          client.close();
          return;
        }
        this.client = client;
        this.clientProblem = undefined;
        this.clientFailures = 0;
        this.writer = new CopyWriter(client, {
          written: (kind, object, basedOn) => {
            const key = `${object.metadata.namespace ?? ""}/${object.metadata.name}`;
            if (object.metadata.namespace === this.memberNamespace) this.l1?.[kind].recordWrite(object, basedOn);
            this.managed?.[kind].recordWrite(object, basedOn);
            if (this.view?.metadata[kind].store.has(key)) this.view.metadata[kind].recordWrite(object, basedOn);
          },
          deleted: (kind, namespace, name) => {
            const key = `${namespace}/${name}`;
            this.l1?.[kind].recordDelete(key);
            this.managed?.[kind].recordDelete(key);
            this.view?.metadata[kind].recordDelete(key);
          },
          counted: (verb) => this.options.metrics?.countWrite(this.name, verb),
        });
        this.startWatches();
        this.refreshStatus();
      })
      .catch((error: Error) => {
        if (this.stopped) return;
        this.clientFailures++;
        this.clientProblem = redact(`could not authenticate to member ${this.name}: ${error.message}`);
        this.log.warn({ err: this.clientProblem, failures: this.clientFailures }, "could not create member client");
        this.refreshStatus();
        this.clientRetry = setTimeout(() => this.start(), Math.min(60_000, 1000 * 2 ** Math.min(this.clientFailures, 6)));
      });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of [this.planTimer, this.probeTimer, this.clientRetry]) if (timer) clearTimeout(timer);
    this.queue.stop();
    const informers = this.informers();
    this.l1 = undefined;
    this.managed = undefined;
    this.view = undefined;
    // An informer sleeping in its backoff finishes that sleep before it exits; do not wait for it.
    const stopped = Promise.all(informers.map((informer) => informer.stop()));
    await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
    this.client?.close();
  }

  /** The hub's rules changed. */
  setRules(rules: HubRules | undefined): void {
    this.rules = rules;
    this.trigger();
  }

  /** The registration's labels changed (no new client needed). */
  setLabels(labels: Record<string, string>): void {
    this.labels = labels;
    this.trigger();
  }

  status(): MemberStatus {
    return this.current;
  }

  /** Relists every watch of this member and plans once more; resolves when its writes are done. */
  async resync(timeoutMs = 30_000): Promise<void> {
    const informers = this.informers();
    if (!this.client || informers.some((informer) => !informer.isHealthy())) return;
    const before = new Map(informers.map((informer) => [informer.name, this.syncCounts.get(informer.name) ?? 0]));
    for (const informer of informers) informer.requestRelist();
    await waitFor(() => informers.every((informer) => (this.syncCounts.get(informer.name) ?? 0) > before.get(informer.name)!), {
      timeoutMs,
      description: `member ${this.name} to relist`,
    });
    const passes = this.planPasses;
    this.trigger();
    await waitFor(() => this.planPasses > passes, { timeoutMs, description: `member ${this.name} to plan` });
    await this.queue.idle();
  }

  private informers(): Watch[] {
    const list: Watch[] = [];
    if (this.l1) list.push(this.l1.Secret, this.l1.ConfigMap);
    if (this.managed) list.push(this.managed.Secret, this.managed.ConfigMap);
    if (this.view) list.push(this.view.namespaces, this.view.metadata.Secret, this.view.metadata.ConfigMap);
    return list;
  }

  private informer<T extends object>(id: string, what: string, options: { path: string; labelSelector?: string; metadataOnly?: boolean; transform: (object: KubeObject) => T; packing?: RecordPacking<T> }): Informer<T> {
    return new Informer<T>({
      client: this.client!,
      name: `${this.name}:${id}`,
      relistIntervalMs: this.options.relistIntervalMs,
      silenceTimeoutMs: this.options.silenceTimeoutMs,
      ...options,
      onChange: () => this.trigger(),
      onSynced: () => {
        this.syncCounts.set(`${this.name}:${id}`, (this.syncCounts.get(`${this.name}:${id}`) ?? 0) + 1);
        if (this.informerErrors.delete(id)) this.refreshStatus();
        this.trigger();
      },
      onError: (error) => this.onInformerError(id, what, error),
    });
  }

  private startWatches(): void {
    const ns = this.memberNamespace;
    this.l1 = {
      Secret: this.informer("ferry-namespace-secrets", `list and watch secrets in namespace ${ns}`, { path: `/api/v1/namespaces/${ns}/secrets`, transform: copyRecord("Secret") }),
      ConfigMap: this.informer("ferry-namespace-configmaps", `list and watch configmaps in namespace ${ns}`, {
        path: `/api/v1/namespaces/${ns}/configmaps`,
        transform: copyRecord("ConfigMap"),
      }),
    };
    this.l1.Secret.start();
    this.l1.ConfigMap.start();
    this.startManaged();
  }

  private startManaged(): void {
    const selector = managedSelector(this.options.hubName);
    const make = (kind: SourceKind) =>
      this.informer(`copies-${resourceOf[kind]}`, `list and watch ${resourceOf[kind]} in all namespaces`, {
        path: `/api/v1/${resourceOf[kind]}`,
        labelSelector: selector,
        transform: copyRecord(kind),
      });
    this.managed = { Secret: make("Secret"), ConfigMap: make("ConfigMap") };
    this.managed.Secret.start();
    this.managed.ConfigMap.start();
  }

  private ensureClusterView(wanted: boolean): void {
    if (!this.client) return;
    if (wanted) {
      if (!this.managed && this.managedForbidden) {
        this.managedForbidden = false;
        this.startManaged();
      }
      if (!this.view) {
        const metadata = (kind: SourceKind) =>
          this.informer(`metadata-${resourceOf[kind]}`, `list and watch ${resourceOf[kind]} in all namespaces`, {
            path: `/api/v1/${resourceOf[kind]}`,
            metadataOnly: true,
            transform: metadataRecord(kind, []),
            packing: metadataPacking(kind),
          });
        this.view = {
          namespaces: this.informer("namespaces", "list and watch namespaces", { path: "/api/v1/namespaces", transform: namespaceInfo }),
          metadata: { Secret: metadata("Secret"), ConfigMap: metadata("ConfigMap") },
        };
        this.view.namespaces.start();
        this.view.metadata.Secret.start();
        this.view.metadata.ConfigMap.start();
      }
    } else if (this.view) {
      const view = this.view;
      this.view = undefined;
      for (const id of ["namespaces", "metadata-secrets", "metadata-configmaps"]) this.informerErrors.delete(id);
      void view.namespaces.stop();
      void view.metadata.Secret.stop();
      void view.metadata.ConfigMap.stop();
    }
  }

  private onInformerError(id: string, what: string, error: Error): void {
    if (this.stopped) return;
    if (id.startsWith("copies-") && isApiError(error, 403) && !this.wantsClusterView()) {
      // A credential limited to the member's Ferry namespace: fine while no ClusterDistribution targets this member.
      if (this.managed) {
        const managed = this.managed;
        this.managed = undefined;
        this.managedForbidden = true;
        void managed.Secret.stop();
        void managed.ConfigMap.stop();
        this.log.info("the hub's credential is limited to the member's Ferry namespace (no cluster-wide read): pushes only");
      }
      return;
    }
    const contact = isContactError(error);
    const known = this.informerErrors.get(id);
    const message = this.explain(error, what);
    this.informerErrors.set(id, { error, message, contact });
    if (!known || known.message !== message) this.log.warn({ watch: id, err: message }, "member watch failed");
    if (contact) this.scheduleProbe();
    this.refreshStatus();
  }

  private noteContactError(id: string, error: Error): void {
    this.informerErrors.set(id, { error, message: this.explain(error, "write"), contact: true });
    this.scheduleProbe();
    this.refreshStatus();
  }

  /** While the member does not answer: probe it with backoff; when it answers, restart what is stuck in backoff. */
  private scheduleProbe(): void {
    if (this.probeTimer || this.stopped || !this.client) return;
    const wait = Math.min(10_000, 250 * 2 ** Math.min(this.probeFailures, 6));
    this.probeTimer = setTimeout(() => {
      this.probeTimer = undefined;
      if (this.stopped || !this.client) return;
      this.client
        .get("/version", { timeoutMs: 5_000 })
        .catch((error: Error) => (error instanceof ApiError && !isContactError(error) ? undefined : Promise.reject(error)))
        .then(() => {
          this.probeFailures = 0;
          this.reconnected();
        })
        .catch(() => {
          this.probeFailures++;
          this.scheduleProbe();
        });
    }, wait);
    this.probeTimer.unref?.();
  }

  /** The member answers again: restart watches that are waiting out a backoff, retry writes now. */
  private reconnected(): void {
    if (this.stopped) return;
    this.informerErrors.delete("write");
    const restart = <T extends object>(informer: Informer<T>, make: () => Informer<T>): Informer<T> => {
      if (informer.isHealthy()) return informer;
      void informer.stop();
      const fresh = make();
      fresh.start();
      return fresh;
    };
    if (this.l1) {
      const ns = this.memberNamespace;
      this.l1.Secret = restart(this.l1.Secret, () =>
        this.informer("ferry-namespace-secrets", `list and watch secrets in namespace ${ns}`, { path: `/api/v1/namespaces/${ns}/secrets`, transform: copyRecord("Secret") }),
      );
      this.l1.ConfigMap = restart(this.l1.ConfigMap, () =>
        this.informer("ferry-namespace-configmaps", `list and watch configmaps in namespace ${ns}`, { path: `/api/v1/namespaces/${ns}/configmaps`, transform: copyRecord("ConfigMap") }),
      );
    }
    if (this.managed && (!this.managed.Secret.isHealthy() || !this.managed.ConfigMap.isHealthy())) {
      void this.managed.Secret.stop();
      void this.managed.ConfigMap.stop();
      this.startManaged();
    }
    if (this.view && [this.view.namespaces, this.view.metadata.Secret, this.view.metadata.ConfigMap].some((informer) => !informer.isHealthy())) {
      this.ensureClusterView(false);
      this.ensureClusterView(true);
    }
    for (const key of this.failures.keys()) this.queue.forget(key);
    this.trigger();
    this.refreshStatus();
  }

  private explain(error: Error, what: string): string {
    let message: string;
    if (error instanceof ApiError && error.status === 403) {
      message = `forbidden: the hub's credential may not ${what === "write" ? "write there" : what} on member ${this.name}; the member must grant the hub the Role in docs/multicluster.md (${error.message})`;
    } else if (error instanceof ApiError && error.status === 401) {
      message = `unauthorized: member ${this.name} rejected the hub's credential (expired or revoked?) (${error.message})`;
    } else if (error instanceof ApiError && error.status === 404 && what === "write" && /namespaces? "?[a-z0-9-]+"? not found/.test(error.message)) {
      message = `namespace not found on member ${this.name}: start Ferry there or create its namespace ${this.memberNamespace} (${error.message})`;
    } else if (isContactError(error)) {
      message = `member ${this.name} unreachable: ${error.message === "aborted" ? "the connection was closed" : error.message}`;
    } else {
      message = error.message;
    }
    return redact(message);
  }

  private wantsClusterView(): boolean {
    if (!this.rules) return false;
    return rulesForMember(this.rules, { labels: this.labels, memberNamespace: this.memberNamespace }).distributions.length > 0;
  }

  trigger(): void {
    if (this.stopped || this.planTimer) return;
    this.planTimer = setTimeout(
      () => {
        this.planTimer = undefined;
        try {
          this.runPlan();
        } catch (error) {
          this.log.error({ err: (error as Error).message, stack: (error as Error).stack }, "member plan pass failed");
        }
      },
      Math.min(250, Math.max(5, this.lastPlanMs * 2)),
    );
  }

  private observedGet(key: string): ObservedObject | undefined {
    const firstSlash = key.indexOf("/");
    const kind = key.slice(0, firstSlash) as SourceKind;
    const rest = key.slice(firstSlash + 1);
    const namespace = rest.slice(0, rest.indexOf("/"));
    if (namespace === this.memberNamespace) return this.l1?.[kind].store.get(rest);
    return this.managed?.[kind].store.get(rest) ?? this.view?.metadata[kind].store.get(rest);
  }

  /** The hub's copies on this member (found by label; plan() keeps only those marked with the hub's name). */
  private *managedCopies(): Iterable<ObservedObject> {
    for (const kind of kinds) {
      for (const record of this.l1?.[kind].store.values() ?? []) yield record;
      for (const record of this.managed?.[kind].store.values() ?? []) if (record.namespace !== this.memberNamespace) yield record;
    }
  }

  private *observedValues(): Iterable<ObservedObject> {
    yield* this.managedCopies();
    for (const kind of kinds) {
      for (const [key, record] of this.view?.metadata[kind].store ?? []) {
        if (record.namespace !== this.memberNamespace && !this.managed?.[kind].store.has(key)) yield record;
      }
    }
  }

  private runPlan(): void {
    if (this.stopped) return;
    if (!this.client || !this.rules || !this.l1 || !this.l1.Secret.hasSynced() || !this.l1.ConfigMap.hasSynced()) {
      this.refreshStatus();
      return;
    }
    const started = process.hrtime.bigint();
    const { push, distributions } = rulesForMember(this.rules, { labels: this.labels, memberNamespace: this.memberNamespace });
    this.ensureClusterView(distributions.length > 0);
    const view = this.view;
    const viewSynced = view !== undefined && view.namespaces.hasSynced() && view.metadata.Secret.hasSynced() && view.metadata.ConfigMap.hasSynced();
    const managedSynced = this.managed !== undefined && this.managed.Secret.hasSynced() && this.managed.ConfigMap.hasSynced();
    const clusterReady = distributions.length === 0 || (viewSynced && managedSynced);
    const sources = new Map<string, SourceState>(this.rules.sources);
    const rules: Rule[] = [...push];
    for (const rule of distributions) {
      if (clusterReady) {
        rules.push(rule);
      } else {
        // Not able to see the member's namespaces and copies yet: hold this rule's copies (no writes, no deletes).
        rules.push({ ...rule, source: { kind: rule.source.kind, namespace: rule.source.namespace, name: rule.source.name } });
        sources.set(objectKey(rule.source.kind, rule.source.namespace, rule.source.name), "unknown");
      }
    }
    const namespaces: ReadonlyMap<string, NamespaceInfo> =
      viewSynced && view
        ? view.namespaces.store
        : new Map([[this.memberNamespace, { name: this.memberNamespace, labels: {}, annotations: {}, terminating: false }]]);
    const observed: ObservedLookup = { get: (key) => this.observedGet(key), values: () => this.observedValues() };
    const result = plan({
      rules,
      namespaces,
      sources,
      observed,
      managed: this.managedCopies(),
      policy: this.policy,
      triggerKeys: this.options.triggerKeys,
      copyMarks: this.options.copyMarks,
      failures: this.failures,
    });
    const actions = new Map(result.actions.map((action) => [action.key, action]));
    for (const key of [...this.failures.keys()]) {
      if (!actions.has(key)) {
        this.failures.delete(key);
        this.queue.forget(key);
      }
    }
    this.latestActions = actions;
    for (const key of actions.keys()) this.queue.add(key);
    this.planned = summarize(result.reports, result.actions.length);
    this.planPasses++;
    this.lastPlanMs = Number(process.hrtime.bigint() - started) / 1e6;
    this.refreshStatus();
  }

  /** Queue worker: does what the latest plan wants for this key, if it is still needed. */
  private async process(key: string): Promise<void> {
    const action = this.latestActions.get(key);
    if (!action || !this.writer) return;
    const observed = this.observedGet(key);
    if (action.type === "delete" ? !observed : action.type === "create" ? observed !== undefined : observed?.contentHash === action.desired.contentHash) return;
    try {
      await this.writer.execute(action);
    } catch (error) {
      if (action.type === "create" && isApiError(error, 409)) throw new ApiError(409, "AlreadyExists", `${key} already exists on member ${this.name}`);
      throw error;
    }
    if (this.latestActions.get(key) === action) this.latestActions.delete(key);
    if (this.failures.delete(key)) this.trigger();
    if (this.informerErrors.delete("write")) this.refreshStatus();
  }

  /** Recomputes the status; tells the hub when it changed. */
  refreshStatus(): void {
    // Errors of watches that are healthy again, or no longer run, are over.
    const prefix = `${this.name}:`;
    const running = new Set<string>(["write"]);
    for (const informer of this.informers()) {
      const id = informer.name.slice(prefix.length);
      if (!informer.isHealthy()) running.add(id);
    }
    for (const id of [...this.informerErrors.keys()]) if (!running.has(id)) this.informerErrors.delete(id);
    const next = this.buildStatus();
    if (next.reachable && !this.lastReachable && this.client) {
      // Back after an outage: retry failed writes now rather than after their backoff.
      for (const key of this.failures.keys()) this.queue.forget(key);
      this.trigger();
    }
    this.lastReachable = next.reachable;
    if (JSON.stringify(next) === JSON.stringify(this.current)) return;
    this.current = next;
    this.options.metrics?.observe(next);
    this.options.onStatus();
  }

  private buildStatus(): MemberStatus {
    const registration = this.options.registration;
    const secret = registration.ok ? registration.registration.secret : registration.problem.secret;
    const contactErrors = [...this.informerErrors.values()].filter((entry) => entry.contact);
    const l1Healthy = this.l1 !== undefined && this.l1.Secret.isHealthy() && this.l1.ConfigMap.isHealthy();
    // Any watch or write that could not reach the member (errors of watches that recovered are already gone).
    const reachable = this.client !== undefined && contactErrors.length === 0;
    const planned = this.planned;
    const inSync = reachable && l1Healthy && planned !== undefined && planned.pending === 0 && planned.failed === 0 && planned.held === 0 && this.failures.size === 0;
    if (inSync && !this.wasInSync) this.lastSyncTime = new Date().toISOString();
    this.wasInSync = inSync;
    let lastError: string | null = null;
    if (this.clientProblem) lastError = this.clientProblem;
    else if (!this.client) lastError = null;
    else {
      const errors = [...this.informerErrors.entries()].sort(([a], [b]) => rank(a) - rank(b));
      if (errors.length > 0) lastError = errors[0]![1].message;
      else if (this.failures.size > 0) {
        const first = this.failures.values().next().value!;
        lastError = this.failures.size > 1 ? `${first.message} (and ${this.failures.size - 1} more failing writes)` : first.message;
      } else if (planned && planned.held > 0 && this.wantsClusterView() && !this.managed && this.managedForbidden) {
        lastError = `ClusterDistributions target member ${this.name}, but the hub's credential cannot read it cluster-wide`;
      }
    }
    return {
      name: this.name,
      registration: `${secret.namespace}/${secret.name}`,
      server: registration.ok ? registration.registration.server : undefined,
      reachable,
      lastSyncTime: this.lastSyncTime,
      objectsInSync: planned?.synced ?? 0,
      objectsDesired: planned?.desired ?? 0,
      conflicts: planned?.conflicts ?? 0,
      inSync,
      lastError,
      failingTargets: planned?.failing ?? [],
    };
  }
}

/** Which informer's error to show first: the push target's, then the cluster view's, then writes. */
function rank(id: string): number {
  if (id.startsWith("ferry-namespace")) return 0;
  if (id === "write") return 1;
  if (id === "namespaces" || id.startsWith("metadata-")) return 2;
  return 3;
}

function summarize(reports: RuleReport[], pending: number) {
  let desired = 0;
  let synced = 0;
  let conflicts = 0;
  let failed = 0;
  let held = 0;
  const failing: FailingTarget[] = [];
  for (const report of reports) {
    desired += report.desired;
    synced += report.synced;
    conflicts += report.conflicts;
    failed += report.failed;
    if (report.problem) {
      if (report.problem.reason === "SourcePending") held++;
      if (failing.length < maxFailingTargets) failing.push({ rule: report.rule.id, state: "Problem", reason: report.problem.reason, message: report.problem.message });
    }
    for (const outcome of report.outcomes) {
      if (outcome.state === "Synced" || (outcome.state === "Pending" && outcome.reason === "Syncing")) continue;
      if (failing.length < maxFailingTargets) failing.push({ rule: report.rule.id, namespace: outcome.namespace, name: outcome.name, state: outcome.state, reason: outcome.reason, message: outcome.message });
    }
  }
  return { desired, synced, conflicts, failed, pending, held, failing };
}
