// One member cluster, as the hub sees it: the member's watches (member-watches.ts), plan() of the
// hub's rules against them (policy.clusterName = the hub's name, so only the hub's own copies are
// ever updated or deleted), the same executor and pass scheduler as the engine's (pipeline/), and
// the member's status (member-status.ts). What differs from the engine is only where rules and
// observed state come from. A member that is down, cut off or refuses the credential only affects
// itself: it is probed with backoff and converged when it answers again.
import { objectKey, plan, type SourceState } from "../core/plan.js";
import { protectedNamespaces } from "../core/protected-namespaces.js";
import { redact } from "../core/redact.js";
import type { CopyMarks, NamespaceInfo, Policy, Rule } from "../core/types.js";
import { ApiError, KubeClient, isApiError, type KubeClientOptions } from "../kube/client.js";
import type { Logger } from "../ops/logger.js";
import type { FerryMetrics } from "../ops/metrics.js";
import { tracer } from "../ops/tracing.js";
import { Executor } from "../pipeline/executor.js";
import { executorMetrics } from "../pipeline/executor-metrics.js";
import { PassScheduler } from "../pipeline/pass-scheduler.js";
import { waitFor } from "../util/wait-for.js";
import { explainMemberError, isContactError, memberStatus, summarize, type PlanSummary } from "./member-status.js";
import { MemberProbe } from "./member-probe.js";
import { MemberWatches } from "./member-watches.js";
import type { MemberMetrics } from "./metrics.js";
import { IDENTITY_CONFIGMAP } from "../kube/cluster-identity.js";
import { checkMemberIdentity, type MemberIdentity } from "./identity-check.js";
import { UnservableCredentialError, type ParsedRegistration } from "./registration.js";
import { nativeCredentialDescription } from "../cloud/kube-authenticator.js";
import { rulesForMember, type HubRules } from "./rules.js";
import type { MemberStatus } from "./status.js";

export interface MemberWorkerOptions {
  registration: ParsedRegistration;
  hubName: string;
  logger: Logger;
  /** Trigger keys of the dialects: stripped from copies so they never look like sources (mw-sync pushes keep theirs). */
  triggerKeys: readonly string[];
  /** The copy marks of every known dialect's tool (plan()'s `adopt`). */
  copyMarks: ReadonlyMap<string, CopyMarks>;
  /** Parallel writes to this member. */
  concurrency: number;
  clientOptions?: KubeClientOptions;
  metrics?: MemberMetrics;
  /** The hub's own metrics: the member's work queue is measured there (queue "member:<name>"). */
  ferryMetrics?: FerryMetrics;
  relistIntervalMs?: number;
  silenceTimeoutMs?: number;
  /** Called when this member's status may have changed. */
  onStatus: () => void;
}

export class MemberWorker {
  readonly name: string;
  private labels: Record<string, string>;
  private readonly memberNamespace: string;
  private readonly log: Logger;
  private client: KubeClient | undefined;
  private watches: MemberWatches | undefined;
  private clientProblem: string | undefined;
  private clientRetry: NodeJS.Timeout | undefined;
  private clientFailures = 0;
  private rules: HubRules | undefined;
  private readonly executor: Executor;
  private readonly scheduler: PassScheduler;
  private readonly errors = new Map<string, { message: string; contact: boolean }>();
  /** Probes the member while it does not answer; when it answers, restarts what is stuck in backoff. */
  private readonly probe = new MemberProbe(() => this.client, () => this.reconnected());
  private stopped = false;
  private wasInSync = false;
  private lastSyncTime: string | null = null;
  private identity: MemberIdentity = { clusterName: null };
  private lastReachable = true;
  private planned: PlanSummary | undefined;
  private current: MemberStatus;
  private readonly policy: Policy;

  constructor(private readonly options: MemberWorkerOptions) {
    const parsed = options.registration;
    this.name = parsed.ok ? parsed.registration.name : parsed.problem.name;
    this.labels = parsed.ok ? parsed.registration.labels : parsed.problem.labels;
    this.memberNamespace = parsed.ok ? parsed.registration.memberNamespace : "";
    this.log = options.logger.child({ member: this.name });
    this.policy = { mode: "guarded", protectedNamespaces: protectedNamespaces(this.memberNamespace), clusterName: options.hubName };
    if (!parsed.ok) this.clientProblem = parsed.problem.message;
    const queueMetrics = executorMetrics(options.ferryMetrics, `member:${this.name}`);
    this.executor = new Executor({
      name: `member ${this.name}`,
      logger: this.log,
      observed: (key) => this.watches?.get(key),
      record: {
        written: (kind, object, basedOn) => this.watches?.recordWritten(kind, object, basedOn),
        deleted: (kind, namespace, name) => this.watches?.recordDeleted(kind, namespace, name),
      },
      concurrency: options.concurrency,
      baseBackoffMs: 250,
      maxBackoffMs: 30_000,
      metrics: {
        ...queueMetrics,
        written: (verb) => options.metrics?.countWrite(this.name, verb),
        failed: (reason) => options.metrics?.countWriteError(this.name, reason),
      },
      describe: (error) => ({ reason: error instanceof ApiError ? error.reason : "Error", message: this.explain(error, "write") }),
      alreadyExists: (key) => `${key} already exists on member ${this.name}`,
      onFailure: (_key, error) => {
        if (isContactError(error)) this.noteContactError("write", error);
      },
      onFailuresChanged: () => this.trigger(),
      namespaceTerminating: (namespace) => this.watches?.namespaces()?.get(namespace)?.terminating === true,
      onWritten: () => {
        if (this.errors.delete("write")) this.refreshStatus();
      },
    });
    this.scheduler = new PassScheduler({ full: () => this.runPlan(), busy: () => this.executor.busy, logger: this.log });
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
    } catch (error) {
      this.clientProblem =
        error instanceof UnservableCredentialError
          ? redact(error.message)
          : `registration Secret ${registration.secret.namespace}/${registration.secret.name}: could not build a client configuration`;
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
        this.executor.connect(client);
        this.watches = new MemberWatches(
          client,
          { member: this.name, memberNamespace: this.memberNamespace, hubName: this.options.hubName, relistIntervalMs: this.options.relistIntervalMs, silenceTimeoutMs: this.options.silenceTimeoutMs },
          {
            changed: () => this.trigger(),
            synced: (id) => {
              if (this.errors.delete(id)) this.refreshStatus();
              this.trigger();
            },
            failed: (id, what, error) => this.onWatchError(id, what, error),
          },
        );
        this.watches.start();
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
    this.probe.stop();
    if (this.clientRetry) clearTimeout(this.clientRetry);
    this.scheduler.stop();
    this.executor.stop();
    const watches = this.watches;
    this.watches = undefined;
    await watches?.stop();
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
    const watches = this.watches;
    if (!this.client || !watches || watches.list().some((watch) => !watch.isHealthy())) return;
    await watches.relist(timeoutMs);
    const passes = this.scheduler.passes;
    this.trigger();
    await waitFor(() => this.scheduler.passes > passes, { timeoutMs, description: `member ${this.name} to plan` });
    await this.executor.idle();
  }

  trigger(): void {
    if (!this.stopped) this.scheduler.requestFull();
  }

  private onWatchError(id: string, what: string, error: Error): void {
    if (this.stopped) return;
    if (id.startsWith("copies-") && isApiError(error, 403) && !this.wantsClusterView()) {
      // A credential limited to the member's Ferry namespace: fine while no ClusterDistribution targets this member.
      if (this.watches?.refuseCopies()) this.log.info("the hub's credential is limited to the member's Ferry namespace (no cluster-wide read): pushes only");
      return;
    }
    const contact = isContactError(error);
    const known = this.errors.get(id);
    const message = this.explain(error, what);
    this.errors.set(id, { message, contact });
    if (!known || known.message !== message) this.log.warn({ watch: id, err: message }, "member watch failed");
    if (contact) this.probe.schedule();
    this.refreshStatus();
  }

  private noteContactError(id: string, error: Error): void {
    this.errors.set(id, { message: this.explain(error, "write"), contact: true });
    this.probe.schedule();
    this.refreshStatus();
  }

  /** The member answers again: restart watches that are waiting out a backoff, retry writes now. */
  private reconnected(): void {
    if (this.stopped) return;
    this.errors.delete("write");
    this.watches?.restartUnhealthy();
    this.executor.forgetBackoff();
    this.trigger();
    this.refreshStatus();
  }

  private explain(error: Error, what: string): string {
    return explainMemberError(error, what, this.name, this.memberNamespace, this.client ? nativeCredentialDescription(this.client.config) : undefined);
  }

  private wantsClusterView(): boolean {
    if (!this.rules) return false;
    return rulesForMember(this.rules, { labels: this.labels, memberNamespace: this.memberNamespace }).distributions.length > 0;
  }

  /** A full pass over the member: the hub's rules for it, planned against its watches. */
  private runPlan(): boolean {
    if (this.stopped) return false;
    const watches = this.watches;
    if (!this.client || !this.rules || !watches || !watches.pushTargetSynced()) {
      this.refreshStatus();
      return false;
    }
    this.identity = checkMemberIdentity(watches.get(objectKey("ConfigMap", this.memberNamespace, IDENTITY_CONFIGMAP))?.annotations, this.options.hubName, this.name);
    if (this.identity.problem) {
      // The member's Ferry would prune whatever is pushed: hold it (no writes, no deletes) and say why.
      this.executor.run([]);
      this.planned = undefined;
      this.refreshStatus();
      return true;
    }
    const span = tracer().startSpan("ferry.plan", { attributes: { "ferry.member": this.name } });
    const { push, distributions } = rulesForMember(this.rules, { labels: this.labels, memberNamespace: this.memberNamespace });
    for (const id of watches.ensureClusterView(distributions.length > 0)) this.errors.delete(id);
    const clusterReady = distributions.length === 0 || watches.clusterReady();
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
      watches.namespaces() ?? new Map([[this.memberNamespace, { name: this.memberNamespace, labels: {}, annotations: {}, terminating: false }]]);
    const result = plan({
      rules,
      namespaces,
      sources,
      observed: watches,
      managed: watches.managed(),
      policy: this.policy,
      triggerKeys: this.options.triggerKeys,
      copyMarks: this.options.copyMarks,
      failures: this.executor.failures,
    });
    span.setAttributes({ "ferry.rules": rules.length, "ferry.actions": result.actions.length });
    span.end();
    this.executor.run(result.actions);
    this.planned = summarize(result.reports, result.actions.length);
    this.refreshStatus();
    return true;
  }

  /** Recomputes the status; tells the hub when it changed. */
  refreshStatus(): void {
    // Errors of watches that are healthy again, or no longer run, are over.
    const failing = new Set<string>(["write"]);
    for (const watch of this.watches?.list() ?? []) if (!watch.isHealthy()) failing.add(this.watches!.idOf(watch));
    for (const id of [...this.errors.keys()]) if (!failing.has(id)) this.errors.delete(id);
    const next = this.buildStatus();
    if (next.reachable && !this.lastReachable && this.client) {
      // Back after an outage: retry failed writes now rather than after their backoff.
      this.executor.forgetBackoff();
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
    const status = memberStatus(
      {
        name: this.name,
        registration: `${secret.namespace}/${secret.name}`,
        server: registration.ok ? registration.registration.server : undefined,
        connected: this.client !== undefined,
        clientProblem: this.clientProblem,
        identityProblem: this.identity.problem,
        clusterName: this.identity.clusterName,
        errors: this.errors,
        pushTargetHealthy: this.watches?.pushTargetHealthy() ?? false,
        planned: this.planned,
        failures: this.executor.failures,
        clusterViewRefused: this.watches?.refused === true && this.wantsClusterView(),
      },
      this.lastSyncTime,
    );
    if (status.inSync && !this.wasInSync) status.lastSyncTime = this.lastSyncTime = new Date().toISOString();
    this.wasInSync = status.inSync;
    return status;
  }
}
