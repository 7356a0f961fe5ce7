// The hub: the seed's "master operator". It watches its own Ferry namespace (member
// registrations and mw-sync sources; the shared informers of the composition root, so that
// namespace is watched once for the whole process) and ClusterDistributions with
// targets.clusters (and their sources), turns them into rules (rules.ts) and hands them to one
// MemberWorker per registered member. Registrations are watched, so adding, changing or removing one needs no restart.
// Status per member goes to status(), the ferry-members ConfigMap (written on change only),
// Events on the registration Secret (on transitions only) and per-member metrics.
import { objectKey, type SourceState } from "../core/plan.js";
import type { CopyMarks, SourceKind } from "../core/types.js";
import { customResourceCollection, ferryNamespaceCollection, resourceOf } from "../kube/collections.js";
import { EventRecorder } from "../kube/event-recorder.js";
import { sourceObject } from "../kube/observed-records.js";
import { SharedInformers } from "../kube/shared-informers.js";
import { builtInDialects } from "../dialects/all.js";
import { copyMarksOf, triggerKeysOf } from "../dialects/index.js";
import { clusterDistributionType } from "../dialects/native.js";
import type { KubeClient, KubeClientOptions } from "../kube/client.js";
import { servedTypes } from "../kube/crd-installer.js";
import { Informer, type InformerHandler, type KubeObject } from "../kube/informer.js";
import type { Collection } from "../kube/shared-informers.js";
import type { Logger } from "../ops/logger.js";
import type { FerryMetrics } from "../ops/metrics.js";
import { PassScheduler } from "../pipeline/pass-scheduler.js";
import { waitFor } from "../util/wait-for.js";
import { MemberRoster } from "./member-roster.js";
import { MemberMetrics } from "./metrics.js";
import { ARGOCD_SECRET_TYPE_LABEL, CLUSTER_LABEL } from "./registration.js";
import { distributionSources, hubRules, type HubRules } from "./rules.js";
import { MEMBERS_CONFIGMAP, StatusPublisher, type MemberStatus } from "./status.js";

export interface HubOptions {
  /** Client of the hub cluster. */
  client: KubeClient;
  logger: Logger;
  metrics?: FerryMetrics;
  /** Ferry's namespace on the hub: registrations and mw-sync sources live here. */
  ferryNamespace: string;
  /** Written as ferry.dev/source-cluster on every copy the hub makes; use the hub's --cluster-name. */
  hubName: string;
  /** Trigger keys of the selected dialects: stripped from pushed copies (mw-sync's own are kept), as the engine does (default: every built-in dialect's). */
  triggerKeys?: readonly string[];
  /** The copy marks of every known dialect's tool, for plan()'s `adopt` on members (default: the built-in dialects'). */
  copyMarks?: ReadonlyMap<string, CopyMarks>;
  /** Also read Argo CD cluster Secrets labelled ferry.dev/cluster: "true" in this namespace (e.g. argocd). */
  argoCdNamespace?: string;
  /** Parallel writes per member (default 8). */
  concurrency?: number;
  /** Options of the clients for members (rate limit; default 100 qps, burst 200). */
  memberClientOptions?: KubeClientOptions;
  relistIntervalMs?: number;
  silenceTimeoutMs?: number;
  /** Name of the status ConfigMap in the hub's Ferry namespace (default ferry-members). */
  statusConfigMap?: string;
  /** The composition root's shared informers; without them the hub watches on its own. */
  informers?: SharedInformers;
}

export interface Hub {
  /** Stops every watch and worker; copies stay where they are. */
  stop(): Promise<void>;
  /** Current status of every registered member, by name. */
  status(): MemberStatus[];
  /** Relists every watch (hub and reachable members), plans once more, waits for the writes and the status write. */
  resync(): Promise<void>;
  /** True once the hub's own watches have listed. */
  isReady(): boolean;
}

const hubOnlyReasons = new Set(["RegistrationNotPushed", "InvalidClusterSelector"]);

class HubController implements Hub {
  private readonly log: Logger;
  private readonly memberMetrics: MemberMetrics | undefined;
  private readonly publisher: StatusPublisher;
  private readonly events: EventRecorder;
  private readonly informers: SharedInformers;
  private readonly secrets: Informer<KubeObject>;
  private readonly configMaps: Informer<KubeObject>;
  private readonly argo: Informer<KubeObject> | undefined;
  private distributions: Informer<KubeObject> | undefined;
  private readonly sourceInformers = new Map<string, Informer<KubeObject>>();
  private readonly roster: MemberRoster;
  private readonly syncCounts = new Map<string, number>();
  private reportedErrors = new Set<string>();
  private readonly scheduler: PassScheduler;
  private readonly tick: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly options: HubOptions) {
    this.log = options.logger.child({ component: "hub", hub: options.hubName });
    this.memberMetrics = options.metrics ? MemberMetrics.for(options.metrics.registry) : undefined;
    const statusName = options.statusConfigMap ?? MEMBERS_CONFIGMAP;
    this.publisher = new StatusPublisher(options.client, options.ferryNamespace, this.log, statusName);
    // Events of cluster-scoped objects (ClusterDistribution) go to `default`, as the engine's do.
    this.events = new EventRecorder(options.client, this.log, "default");
    const ns = options.ferryNamespace;
    this.informers =
      options.informers ??
      new SharedInformers({ client: options.client, relistIntervalMs: options.relistIntervalMs, silenceTimeoutMs: options.silenceTimeoutMs, onRestart: (watch) => options.metrics?.watchRestarts.inc({ watch }) });
    this.secrets = this.watch(ferryNamespaceCollection("Secret", ns));
    this.configMaps = this.watch(ferryNamespaceCollection("ConfigMap", ns), (key) => key !== `${ns}/${statusName}`);
    if (options.argoCdNamespace) {
      this.argo = this.watch({
        name: `argocd-clusters@${options.argoCdNamespace}`,
        path: `/api/v1/namespaces/${options.argoCdNamespace}/secrets`,
        labelSelector: `${ARGOCD_SECRET_TYPE_LABEL}=cluster,${CLUSTER_LABEL}=true`,
      });
    }
    this.roster = new MemberRoster({
      ferryNamespace: ns,
      hubName: options.hubName,
      logger: options.logger.child({ component: "hub", hub: options.hubName }),
      events: this.events,
      triggerKeys: options.triggerKeys ?? triggerKeysOf(builtInDialects),
      copyMarks: options.copyMarks ?? copyMarksOf(builtInDialects),
      concurrency: options.concurrency ?? 8,
      clientOptions: options.memberClientOptions,
      metrics: this.memberMetrics,
      ferryMetrics: options.metrics,
      relistIntervalMs: options.relistIntervalMs,
      silenceTimeoutMs: options.silenceTimeoutMs,
      onStatus: () => this.publish(),
    });
    this.scheduler = new PassScheduler({ full: () => this.recompute(), busy: () => false, logger: this.log });
    this.tick = setInterval(() => this.roster.refreshStatuses(), 1000);
    this.tick.unref();
  }

  /** What the hub does on any of its watches' events: recompute its rules (for keys it cares about). */
  private handler(name: string, relevant?: (key: string) => boolean): InformerHandler<KubeObject> {
    return {
      onChange: (_event, key) => {
        if (!relevant || relevant(key)) this.scheduleRecompute();
      },
      onSynced: () => {
        this.syncCounts.set(name, (this.syncCounts.get(name) ?? 0) + 1);
        this.scheduleRecompute();
      },
      onError: (error) => this.log.warn({ watch: name, err: error.message }, "hub watch failed"),
    };
  }

  /** A shared watch of one of the hub's collections. */
  private watch(collection: Collection<KubeObject>, relevant?: (key: string) => boolean): Informer<KubeObject> {
    return this.informers.informer(collection, this.handler(collection.name, relevant));
  }

  async start(): Promise<void> {
    let served = false;
    try {
      served = (await servedTypes(this.options.client, [clusterDistributionType])).length > 0;
    } catch (error) {
      this.log.warn({ err: (error as Error).message }, "could not discover ClusterDistribution: targets.clusters is off");
    }
    if (served) {
      this.distributions = this.watch(customResourceCollection(clusterDistributionType));
    } else {
      this.log.info("ClusterDistribution is not served on the hub: only mw-sync pushes (install Ferry's CRDs for targets.clusters)");
    }
    this.informers.start();
    this.log.info({ namespace: this.options.ferryNamespace, argoCdNamespace: this.options.argoCdNamespace }, "hub started");
  }

  private hubInformers(): Array<Informer<KubeObject>> {
    return [this.secrets, this.configMaps, ...(this.argo ? [this.argo] : []), ...(this.distributions ? [this.distributions] : []), ...this.sourceInformers.values()];
  }

  isReady(): boolean {
    return this.hubInformers().every((informer) => informer.hasSynced());
  }

  private scheduleRecompute(): void {
    if (!this.stopped) this.scheduler.requestFull();
  }

  /** Members from the registrations, rules from the hub's objects, handed to every member. */
  private recompute(): boolean {
    if (this.stopped) return false;
    if (!this.secrets.hasSynced() || !this.configMaps.hasSynced() || (this.argo && !this.argo.hasSynced())) return false;
    this.roster.reconcile(this.secrets.store.values(), this.argo?.store.values() ?? []);
    let rules: HubRules | undefined;
    if (!this.distributions || this.distributions.hasSynced()) {
      const distributions = [...(this.distributions?.store.values() ?? [])];
      this.watchSources(distributions);
      rules = hubRules({
        ferryNamespace: this.options.ferryNamespace,
        hubName: this.options.hubName,
        ferryNamespaceObjects: [
          ...[...this.secrets.store.values()].map((object) => ({ kind: "Secret" as const, object })),
          ...[...this.configMaps.store.values()].map((object) => ({ kind: "ConfigMap" as const, object })),
        ],
        clusterDistributions: distributions,
        sourceState: (kind, namespace, name) => this.sourceState(kind, namespace, name),
      });
      this.reportErrors(rules);
    }
    this.roster.setRules(rules);
    return true;
  }

  private reportErrors(rules: HubRules): void {
    const current = new Set<string>();
    for (const error of rules.errors) {
      const key = `${error.origin.kind}/${error.origin.namespace ?? ""}/${error.origin.name}|${error.reason}|${error.message}`;
      current.add(key);
      if (!this.reportedErrors.has(key)) {
        // Parse errors of the mw-sync annotations and of ClusterDistribution specs are the hub's own engine's to report;
        // what only the hub checks (registrations, targets.clusters) gets an Event here.
        const hubOnly = hubOnlyReasons.has(error.reason);
        this.log[hubOnly ? "warn" : "debug"]({ kind: error.origin.kind, namespace: error.origin.namespace, name: error.origin.name, reason: error.reason }, error.message);
        if (hubOnly) this.events.record({ ...error.origin }, "Warning", error.reason, error.message);
      }
    }
    this.reportedErrors = current;
  }

  /** One small watch per ClusterDistribution source (field-selected by name), so sources are read in full only when a rule names them. */
  private watchSources(distributions: KubeObject[]): void {
    const wanted = new Map(distributionSources(distributions).map((ref) => [objectKey(ref.kind, ref.namespace, ref.name), ref]));
    for (const [key, informer] of this.sourceInformers) {
      if (wanted.has(key)) continue;
      this.sourceInformers.delete(key);
      void informer.stop();
    }
    for (const [key, ref] of wanted) {
      if (this.sourceInformers.has(key)) continue;
      // Not shared: one small watch per source, started and stopped as the rules come and go.
      const name = `hub:source:${key}`;
      const informer = new Informer<KubeObject>({
        client: this.options.client,
        name,
        path: `/api/v1/namespaces/${ref.namespace}/${resourceOf[ref.kind]}`,
        fieldSelector: `metadata.name=${ref.name}`,
        relistIntervalMs: this.options.relistIntervalMs,
        silenceTimeoutMs: this.options.silenceTimeoutMs,
        onRestart: () => this.options.metrics?.watchRestarts.inc({ watch: name }),
        ...this.handler(name),
      });
      this.sourceInformers.set(key, informer);
      informer.start();
    }
  }

  private sourceState(kind: SourceKind, namespace: string, name: string): SourceState {
    const informer = this.sourceInformers.get(objectKey(kind, namespace, name));
    if (!informer || !informer.hasSynced()) return "unknown";
    const object = informer.store.get(`${namespace}/${name}`);
    return object ? sourceObject(kind, object) : "missing";
  }

  private publish(): void {
    if (this.stopped) return;
    this.publisher.update(this.status());
  }

  status(): MemberStatus[] {
    return this.roster.statuses();
  }

  async resync(): Promise<void> {
    const informers = this.hubInformers();
    const before = new Map(informers.map((informer) => [informer.name, this.syncCounts.get(informer.name) ?? 0]));
    for (const informer of informers) informer.requestRelist();
    await waitFor(() => informers.every((informer) => (this.syncCounts.get(informer.name) ?? 0) > before.get(informer.name)!), {
      timeoutMs: 30_000,
      description: "the hub's watches to relist",
    });
    this.recompute();
    await this.roster.resync();
    this.publish();
    await this.publisher.flush();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.tick);
    this.scheduler.stop();
    this.publisher.stop();
    this.events.stop();
    // Shared watches are the composition root's to stop; the hub's own are its own.
    const own = [...this.sourceInformers.values(), ...(this.options.informers ? [] : [this.informers])];
    const stops = [...own.map((informer) => informer.stop()), ...this.roster.stop()];
    await Promise.race([Promise.all(stops), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    this.log.info("hub stopped");
  }
}

/** Starts the hub role (`ferry run --hub`). */
export async function startHub(options: HubOptions): Promise<Hub> {
  const hub = new HubController(options);
  await hub.start();
  return hub;
}
