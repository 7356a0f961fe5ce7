// The RegistryCredentials controller. It reads registry-creds compatible configuration (the
// environment plus registry-creds-* Secrets in Ferry's namespace) and RegistryCredential
// resources (config.ts), keeps each credential fresh (credentials.ts), and keeps one
// kubernetes.io/dockerconfigjson Secret per credential in Ferry's namespace through the same
// executor and copy writer as every copy (generated-secrets.ts). Configuration Secrets are
// watched (no restart needed), through the shared informer of Ferry's namespace. Distribution to
// namespaces is the engine's (registry-dialect.ts); status, Events and the expiry metric never
// carry a credential value.
import { describeError } from "../core/redact.js";
import type { DesiredCopy, ObservedObject } from "../core/types.js";
import type { CustomResource } from "../dialects/dialect.js";
import type { KubeClient } from "../kube/client.js";
import { customResourceCollection, ferryNamespaceCollection } from "../kube/collections.js";
import { EventRecorder, type EventTarget } from "../kube/event-recorder.js";
import type { Informer, KubeObject } from "../kube/informer.js";
import { copyRecord } from "../kube/observed-records.js";
import type { SharedInformers } from "../kube/shared-informers.js";
import { StatusWriter } from "../kube/status-writer.js";
import type { Logger } from "../ops/logger.js";
import type { FerryMetrics } from "../ops/metrics.js";
import { Executor } from "../pipeline/executor.js";
import { executorMetrics } from "../pipeline/executor-metrics.js";
import { PassScheduler } from "../pipeline/pass-scheduler.js";
import { compatConfigSecretNames, compatCredentials, nativeCredential, type Env } from "./config.js";
import { registryCredentialType, registryCredentialsPath } from "./crd.js";
import { credentialStatus } from "./credential-status.js";
import { Credentials, type CredentialInfo, type CredentialState } from "./credentials.js";
import { generatedSecret, isGenerated, planGeneratedSecrets } from "./generated-secrets.js";
import { fetchCredentials, type ProviderFetch } from "./providers/index.js";
import { defaultTuning, type ScheduleTuning } from "./schedule.js";
import type { CredentialSpec } from "./types.js";

export { GENERATED_LABEL, CREDENTIAL_ID_ANNOTATION, EXPIRES_ANNOTATION, PROVIDER_ANNOTATION } from "./generated-secrets.js";
export type { CredentialInfo } from "./credentials.js";

export interface RegistryControllerOptions {
  client: KubeClient;
  logger: Logger;
  metrics?: FerryMetrics;
  ferryNamespace: string;
  /** registry-creds' environment variables (normally process.env). */
  env: Env;
  /** Watch RegistryCredential resources (false when the CRD is not served). */
  watchResources: boolean;
  tuning?: Partial<ScheduleTuning>;
  /** Replaces the providers (tests). */
  fetch?: ProviderFetch;
  random?: () => number;
  /** The shared informers (Ferry's namespace is watched once for the engine, the registry and the hub). */
  informers: SharedInformers;
}

function decode(data: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof data !== "object" || data === null) return out;
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) if (typeof value === "string") out[key] = Buffer.from(value, "base64").toString("utf8");
  return out;
}

const byAge = (a: KubeObject, b: KubeObject) => {
  const [ta, tb] = [a.metadata.creationTimestamp ?? "", b.metadata.creationTimestamp ?? ""];
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.metadata.name < b.metadata.name ? -1 : 1;
};

export class RegistryController {
  readonly secrets: Informer<KubeObject>;
  readonly resources?: Informer<KubeObject>;
  private readonly kept: Credentials;
  private readonly executor: Executor;
  private readonly scheduler: PassScheduler;
  private readonly events: EventRecorder;
  private readonly statuses: StatusWriter;
  private readonly records = new WeakMap<KubeObject, ObservedObject>();
  private readonly log: Logger;
  private stopped = false;
  private resynced = false;

  constructor(private readonly options: RegistryControllerOptions) {
    const log = (this.log = options.logger);
    const changed = { onChange: () => this.scheduler.requestFull(), onSynced: () => this.scheduler.requestFull() };
    this.secrets = options.informers.informer(ferryNamespaceCollection("Secret", options.ferryNamespace), changed);
    if (options.watchResources) this.resources = options.informers.informer(customResourceCollection(registryCredentialType), changed);
    this.events = new EventRecorder(options.client, log, "default");
    this.statuses = new StatusWriter(options.client, log, (error) => log.warn({ err: describeError(error, { maxLength: 300 }) }, "RegistryCredential status write failed"));
    this.kept = new Credentials({
      fetch: options.fetch ?? fetchCredentials,
      tuning: { ...defaultTuning, ...options.tuning },
      random: options.random ?? Math.random,
      events: this.events,
      metrics: options.metrics,
      logger: log,
      eventTarget: (state) => this.eventTarget(state),
      onFetched: () => this.scheduler.requestFull(),
    });
    this.executor = new Executor({
      name: "registry",
      logger: log,
      observed: (key) => this.observed(key.slice(key.indexOf("/") + 1)),
      record: {
        written: (_kind, object, basedOn) => this.secrets.recordWrite(object, basedOn),
        deleted: (_kind, namespace, name) => this.secrets.recordDelete(`${namespace}/${name}`),
      },
      concurrency: 4,
      baseBackoffMs: 500,
      maxBackoffMs: 60_000,
      metrics: executorMetrics(options.metrics, "registry"),
      describe: (error) => ({ reason: "WriteFailed", message: describeError(error, { maxLength: 300 }) }),
      onFailuresChanged: () => this.scheduler.requestFull(),
    });
    this.executor.connect(options.client);
    this.scheduler = new PassScheduler({ full: () => this.pass(), busy: () => this.executor.busy, logger: log });
  }

  start(): void {
    this.options.informers.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.scheduler.stop();
    this.kept.stop();
    this.executor.stop();
    this.events.stop();
  }

  hasSynced(): boolean {
    return this.secrets.hasSynced() && (this.resources?.hasSynced() ?? true);
  }

  isHealthy(): boolean {
    return this.secrets.isHealthy() && (this.resources?.isHealthy() ?? true);
  }

  /** True once configuration has been read at least once. */
  hasResynced(): boolean {
    return this.resynced;
  }

  /** Every credential and its state (no values). */
  credentials(): CredentialInfo[] {
    return [...this.kept.states.values()].map((state) => this.kept.info(state)).sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  credential(id: string): CredentialInfo | undefined {
    const state = this.kept.states.get(id);
    return state ? this.kept.info(state) : undefined;
  }

  /** A Secret of Ferry's namespace as the executor compares it (content hash, generated or not). */
  private observed(storeKey: string): ObservedObject | undefined {
    const object = this.secrets.store.get(storeKey);
    if (!object) return undefined;
    let record = this.records.get(object);
    if (!record) this.records.set(object, (record = copyRecord("Secret")(object)));
    return record;
  }

  /** Recomputes the wanted credentials from configuration, then what their Secrets and statuses need. */
  private pass(): boolean {
    if (this.stopped || !this.hasSynced()) return false;
    this.kept.update(this.specs());
    this.resynced = true;
    const ns = this.options.ferryNamespace;
    const wanted = new Map<string, DesiredCopy>();
    for (const state of this.kept.states.values()) {
      if (state.auths) wanted.set(state.spec.id, generatedSecret(state.spec, state.auths, state.expiresAt, ns));
    }
    // A generated Secret being deleted (a finalizer holds it) needs no second delete.
    const present = [...this.secrets.store.entries()].flatMap(([key, object]) => (object.metadata.deletionTimestamp ? [] : (this.observed(key) ?? [])));
    const claimed = new Set([...this.kept.states.values()].map((state) => state.spec.secretName));
    const plan = planGeneratedSecrets(wanted, claimed, present.filter(isGenerated), ns, (key) => this.observed(key.slice(key.indexOf("/") + 1)));
    for (const state of this.kept.states.values()) state.writeProblem = plan.taken.get(state.spec.id);
    this.executor.run(plan.actions);
    for (const state of this.kept.states.values()) this.writeStatus(state);
    return true;
  }

  /** The credentials configuration asks for; one generated Secret per name: the first claim (registry-creds, then the oldest resource) wins. */
  private specs(): CredentialSpec[] {
    const values = new Map<string, Record<string, string>>();
    for (const object of this.secrets.store.values()) if (!isGenerated({ labels: object.metadata.labels ?? {} })) values.set(object.metadata.name, decode(object.data));
    const specs = compatCredentials(this.options.env, values);
    for (const resource of [...(this.resources?.store.values() ?? [])].sort(byAge)) specs.push(nativeCredential(resource as CustomResource, values, this.options.env, this.options.ferryNamespace));
    const claimed = new Map<string, string>();
    for (const spec of specs) {
      const owner = claimed.get(spec.secretName);
      if (owner === undefined) claimed.set(spec.secretName, spec.id);
      else if (!spec.problem) {
        spec.problem = { reason: "SecretNameInUse", message: `Secret ${spec.secretName} is already produced by ${owner}` };
        delete spec.config;
      }
      if (compatConfigSecretNames.includes(spec.secretName) && !spec.problem) {
        spec.problem = { reason: "InvalidSpec", message: `${spec.secretName} is a configuration Secret name` };
        delete spec.config;
      }
    }
    return specs;
  }

  private eventTarget(state: CredentialState): EventTarget {
    const resource = state.spec.resource;
    if (resource) return { apiVersion: "ferry.dev/v1alpha1", kind: "RegistryCredential", name: resource.name, uid: resource.uid };
    const existing = this.secrets.store.get(`${this.options.ferryNamespace}/${state.spec.secretName}`);
    return { apiVersion: "v1", kind: "Secret", namespace: this.options.ferryNamespace, name: state.spec.secretName, uid: existing?.metadata.uid };
  }

  private writeStatus(state: CredentialState): void {
    const resource = state.spec.resource;
    const object = resource ? this.resources?.store.get(resource.name) : undefined;
    if (!resource || !object) return;
    this.statuses.update(`${registryCredentialsPath}/${resource.name}`, object as { status?: unknown }, credentialStatus(state, this.kept.readiness(state), resource.generation));
  }
}
