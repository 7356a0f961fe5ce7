// The RegistryCredentials controller. It reads registry-creds compatible configuration (the
// environment plus registry-creds-* Secrets in Ferry's namespace) and RegistryCredential
// resources, fetches each credential from its provider, and keeps a kubernetes.io/
// dockerconfigjson Secret per credential in Ferry's namespace: refreshed at 50-75% of the token's
// lifetime, fetched again at once when its configuration changes (the Secrets are watched: no
// restart), retried with backoff on errors while the last good credential stays in place until
// it expires. Distribution to namespaces is the engine's (see registry-dialect.ts); status,
// Events and the expiry metric never carry a credential value.
import { canonicalJson } from "../core/hash.js";
import { EventRecorder, type EventTarget } from "../kube/event-recorder.js";
import { StatusWriter } from "../kube/status-writer.js";
import type { CustomResource } from "../dialects/dialect.js";
import { KubeClient, isApiError } from "../kube/client.js";
import { Informer, type KubeObject } from "../kube/informer.js";
import { WorkQueue } from "../kube/work-queue.js";
import type { Logger } from "../ops/logger.js";
import type { FerryMetrics } from "../ops/metrics.js";
import { compatConfigSecretNames, compatCredentials, configSecrets, nativeCredential, type Env } from "./config.js";
import { registryCredentialsPath } from "./crd.js";
import { DOCKER_CONFIG_KEY, DOCKER_CONFIG_TYPE, dockerConfigJson, earliestExpiry } from "./dockerconfig.js";
import { fetchCredentials, type ProviderFetch } from "./providers/index.js";
import { REGISTRY_CREDENTIAL_ANNOTATION, registryCredentialAnnotation } from "./registry-dialect.js";
import { describeError, secretValues } from "../core/redact.js";
import { defaultTuning, refreshDelay, retryDelay, type ScheduleTuning } from "./schedule.js";
import type { CredentialSpec, RegistryAuth } from "./types.js";

/** On generated Secrets: written by the registry controller (it deletes only Secrets with this label). */
export const GENERATED_LABEL = "ferry.dev/registry-generated";
/** On generated Secrets: the credential id (`registry-creds/ecr`, `RegistryCredential/name`). */
export const CREDENTIAL_ID_ANNOTATION = "ferry.dev/registry-credential-id";
export const EXPIRES_ANNOTATION = "ferry.dev/registry-credential-expires-at";
export const PROVIDER_ANNOTATION = "ferry.dev/registry-provider";

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
  relistIntervalMs?: number;
  silenceTimeoutMs?: number;
}

interface CredentialState {
  spec: CredentialSpec;
  auths?: RegistryAuth[];
  fetchedAt?: number;
  expiresAt?: number;
  nextRefreshAt?: number;
  failures: number;
  lastError?: string;
  /** A write problem (name taken by an unmanaged Secret). */
  writeProblem?: { reason: string; message: string };
  timer?: NodeJS.Timeout;
  fetching: boolean;
  fetchAgain: boolean;
  fetches: number;
}

/** What tests and `ferry status` may see of a credential: never a value. */
export interface CredentialInfo {
  id: string;
  secretName: string;
  provider: string;
  registries: string[];
  ready: boolean;
  reason: string;
  expiresAt?: Date;
  lastRefreshTime?: Date;
  nextRefreshTime?: Date;
  lastError?: string;
  failures: number;
  fetches: number;
}

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

function decode(data: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof data !== "object" || data === null) return out;
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) if (typeof value === "string") out[key] = Buffer.from(value, "base64").toString("utf8");
  return out;
}

export class RegistryController {
  readonly secrets: Informer<KubeObject>;
  readonly resources?: Informer<KubeObject>;
  private readonly states = new Map<string, CredentialState>();
  private readonly queue: WorkQueue;
  private readonly events: EventRecorder;
  private readonly statuses: StatusWriter;
  private readonly tuning: ScheduleTuning;
  private readonly fetch: ProviderFetch;
  private readonly random: () => number;
  private readonly log: Logger;
  private resyncTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private resynced = false;

  constructor(private readonly options: RegistryControllerOptions) {
    this.log = options.logger;
    this.tuning = { ...defaultTuning, ...options.tuning };
    this.fetch = options.fetch ?? fetchCredentials;
    this.random = options.random ?? Math.random;
    const watch = { client: options.client, relistIntervalMs: options.relistIntervalMs, silenceTimeoutMs: options.silenceTimeoutMs };
    this.secrets = new Informer<KubeObject>({
      ...watch,
      name: "registry-config-secrets",
      path: `/api/v1/namespaces/${options.ferryNamespace}/secrets`,
      onChange: (_event, _key, current, previous) => {
        const object = current ?? previous;
        if (!object) return;
        const generatedId = object.metadata.labels?.[GENERATED_LABEL] === "true" ? object.metadata.annotations?.[CREDENTIAL_ID_ANNOTATION] : undefined;
        if (generatedId !== undefined) {
          // Someone changed or deleted what Ferry generated: put it back.
          this.queue.add(generatedId);
          if (!this.states.has(generatedId)) this.requestResync();
        }
        // Also a name that a generated Secret should take may have been freed or taken.
        this.requestResync();
      },
      onSynced: () => this.requestResync(),
      onRestart: (reason) => this.log.warn({ watch: "registry-config-secrets", reason }, "watch restarting"),
    });
    if (options.watchResources) {
      this.resources = new Informer<KubeObject>({
        ...watch,
        name: "registrycredentials.ferry.dev",
        path: registryCredentialsPath,
        onChange: () => this.requestResync(),
        onSynced: () => this.requestResync(),
        onRestart: (reason) => this.log.warn({ watch: "registrycredentials", reason }, "watch restarting"),
      });
    }
    this.queue = new WorkQueue({
      concurrency: 4,
      handler: (id) => this.sync(id),
      baseBackoffMs: 500,
      maxBackoffMs: 60_000,
      onError: (id, error, failures) => {
        if (failures === 1 || failures % 10 === 0) this.log.warn({ credential: id, failures, err: describeError(error, { maxLength: 300 }) }, "could not write the generated Secret");
      },
    });
    this.events = new EventRecorder(options.client, this.log, "default");
    this.statuses = new StatusWriter(options.client, this.log, (error) => this.log.warn({ err: describeError(error, { maxLength: 300 }) }, "RegistryCredential status write failed"));
  }

  start(): void {
    this.secrets.start();
    this.resources?.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.resyncTimer) clearTimeout(this.resyncTimer);
    for (const state of this.states.values()) if (state.timer) clearTimeout(state.timer);
    this.queue.stop();
    await Promise.all([this.secrets.stop(), this.resources?.stop()]);
  }

  hasSynced(): boolean {
    return this.secrets.hasSynced() && (this.resources?.hasSynced() ?? true);
  }

  isHealthy(): boolean {
    return this.secrets.isHealthy() && (this.resources?.isHealthy() ?? true);
  }

  /** Every credential and its state (no values). */
  credentials(): CredentialInfo[] {
    return [...this.states.values()].map((state) => this.info(state)).sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  credential(id: string): CredentialInfo | undefined {
    const state = this.states.get(id);
    return state ? this.info(state) : undefined;
  }

  private info(state: CredentialState): CredentialInfo {
    const ready = this.readiness(state);
    const info: CredentialInfo = {
      id: state.spec.id,
      secretName: state.spec.secretName,
      provider: state.spec.provider,
      registries: [...new Set((state.auths ?? []).map((auth) => auth.registry))].sort(),
      ready: ready.status === "True",
      reason: ready.reason,
      failures: state.failures,
      fetches: state.fetches,
    };
    if (state.expiresAt !== undefined) info.expiresAt = new Date(state.expiresAt);
    if (state.fetchedAt !== undefined) info.lastRefreshTime = new Date(state.fetchedAt);
    if (state.nextRefreshAt !== undefined) info.nextRefreshTime = new Date(state.nextRefreshAt);
    if (state.lastError !== undefined) info.lastError = state.lastError;
    return info;
  }

  private requestResync(): void {
    if (this.stopped || this.resyncTimer) return;
    this.resyncTimer = setTimeout(() => {
      this.resyncTimer = undefined;
      try {
        this.resync();
      } catch (error) {
        this.log.error({ err: describeError(error, { maxLength: 300 }) }, "registry resync failed");
      }
    }, 10);
  }

  /** Decoded data of the Secrets in Ferry's namespace that may hold configuration (not the generated ones). */
  private configValues(): Map<string, Record<string, string>> {
    const values = new Map<string, Record<string, string>>();
    for (const object of this.secrets.store.values()) {
      if (object.metadata.labels?.[GENERATED_LABEL] === "true") continue;
      values.set(object.metadata.name, decode(object.data));
    }
    return values;
  }

  /** Recomputes the wanted credentials from configuration and acts on differences. */
  private resync(): void {
    if (this.stopped || !this.hasSynced()) return;
    const values = this.configValues();
    const specs = compatCredentials(this.options.env, values);
    const resources = [...(this.resources?.store.values() ?? [])].sort((a, b) =>
      (a.metadata.creationTimestamp ?? "") !== (b.metadata.creationTimestamp ?? "")
        ? (a.metadata.creationTimestamp ?? "") < (b.metadata.creationTimestamp ?? "")
          ? -1
          : 1
        : a.metadata.name < b.metadata.name
          ? -1
          : 1,
    );
    for (const resource of resources) specs.push(nativeCredential(resource as CustomResource, values, this.options.env, this.options.ferryNamespace));
    // One generated Secret per name: the first claim (registry-creds configuration, then the oldest resource) wins.
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
    const wanted = new Set(specs.map((spec) => spec.id));
    for (const spec of specs) {
      const state = this.states.get(spec.id);
      if (!state) {
        const fresh: CredentialState = { spec, failures: 0, fetching: false, fetchAgain: false, fetches: 0 };
        this.states.set(spec.id, fresh);
        this.startFetch(fresh);
      } else if (state.spec.configHash !== spec.configHash) {
        state.spec = spec;
        state.failures = 0;
        this.startFetch(state);
      } else {
        state.spec = spec;
        this.queue.add(spec.id);
      }
    }
    for (const [id, state] of this.states) {
      if (wanted.has(id)) continue;
      if (state.timer) clearTimeout(state.timer);
      this.states.delete(id);
      this.options.metrics?.credentialExpiry.remove({ credential: id });
      this.log.info({ credential: id }, "registry credential removed");
    }
    // Generated Secrets whose credential is gone (also after a restart) are deleted: their copies follow.
    for (const object of this.secrets.store.values()) {
      const id = object.metadata.annotations?.[CREDENTIAL_ID_ANNOTATION];
      if (object.metadata.labels?.[GENERATED_LABEL] !== "true" || id === undefined) continue;
      const state = this.states.get(id);
      if (!state || state.spec.secretName !== object.metadata.name) void this.deleteGenerated(object);
    }
    this.resynced = true;
  }

  private async deleteGenerated(object: KubeObject): Promise<void> {
    try {
      await this.options.client.request("DELETE", `/api/v1/namespaces/${this.options.ferryNamespace}/secrets/${encodeURIComponent(object.metadata.name)}`, {
        body: { apiVersion: "v1", kind: "DeleteOptions", preconditions: { uid: object.metadata.uid } },
      });
      this.log.info({ secret: object.metadata.name }, "deleted generated registry Secret: its credential is no longer configured");
    } catch (error) {
      if (!isApiError(error, 404) && !isApiError(error, 409)) this.log.warn({ secret: object.metadata.name, err: describeError(error, { maxLength: 300 }) }, "could not delete generated registry Secret");
    }
    this.secrets.recordDelete(`${this.options.ferryNamespace}/${object.metadata.name}`);
  }

  private schedule(state: CredentialState, delayMs: number | undefined): void {
    if (state.timer) clearTimeout(state.timer);
    state.timer = undefined;
    state.nextRefreshAt = undefined;
    if (delayMs === undefined || this.stopped) return;
    state.nextRefreshAt = Date.now() + delayMs;
    state.timer = setTimeout(() => {
      state.timer = undefined;
      if (this.states.get(state.spec.id) === state) this.startFetch(state);
    }, delayMs);
  }

  private startFetch(state: CredentialState): void {
    if (this.stopped) return;
    if (state.fetching) {
      state.fetchAgain = true;
      return;
    }
    this.schedule(state, undefined);
    const spec = state.spec;
    if (!spec.config) {
      state.lastError = spec.problem?.message ?? "not configured";
      this.queue.add(spec.id);
      return;
    }
    state.fetching = true;
    state.fetches++;
    const config = spec.config;
    const secrets = secretValues(configSecrets(config));
    void this.fetch(config)
      .then((auths) => {
        if (auths.length === 0) throw new Error("the provider returned no login");
        const now = Date.now();
        const expiry = earliestExpiry(auths);
        if (expiry && expiry.getTime() <= now) throw new Error(`the provider returned a credential that expired at ${expiry.toISOString()}`);
        const recovered = state.failures > 0 || state.auths === undefined;
        state.auths = auths;
        state.fetchedAt = now;
        state.expiresAt = expiry?.getTime();
        state.failures = 0;
        state.lastError = undefined;
        if (state.expiresAt !== undefined) this.options.metrics?.credentialExpiry.set({ credential: spec.id }, Math.floor(state.expiresAt / 1000));
        else this.options.metrics?.credentialExpiry.remove({ credential: spec.id });
        this.schedule(state, refreshDelay(now, state.expiresAt, this.random(), this.tuning));
        const target = this.eventTarget(state);
        this.events.clear(target, "RefreshFailed");
        if (recovered) this.events.record(target, "Normal", "CredentialRefreshed", `${spec.provider} credential for ${[...new Set(auths.map((a) => a.registry))].length} registr${auths.length === 1 ? "y" : "ies"} is ready in Secret ${spec.secretName}`);
        this.log.info(
          { credential: spec.id, secret: spec.secretName, registries: [...new Set(auths.map((a) => a.registry))], expiresAt: expiry?.toISOString(), nextRefresh: state.nextRefreshAt ? new Date(state.nextRefreshAt).toISOString() : undefined },
          "registry credential refreshed",
        );
      })
      .catch((error: unknown) => {
        state.failures++;
        const message = describeError(error, { secrets, maxLength: 300 });
        state.lastError = message;
        const now = Date.now();
        const valid = state.expiresAt === undefined ? state.auths !== undefined : state.expiresAt > now;
        const delay = retryDelay(state.failures, this.random(), now, valid ? state.expiresAt : undefined, this.tuning);
        this.schedule(state, delay);
        const keeping = state.auths ? (valid ? `; keeping the last good credential${state.expiresAt ? ` until ${new Date(state.expiresAt).toISOString()}` : ""}` : "; the last good credential has expired") : "";
        this.events.record(this.eventTarget(state), "Warning", "RefreshFailed", `${spec.provider}: ${message}${keeping}`);
        if (state.failures === 1 || state.failures % 10 === 0) this.log.warn({ credential: spec.id, failures: state.failures, retryInMs: delay, err: message }, "registry credential refresh failed");
      })
      .finally(() => {
        state.fetching = false;
        if (this.states.get(spec.id) === state) this.queue.add(spec.id);
        if (state.fetchAgain) {
          state.fetchAgain = false;
          this.startFetch(state);
        }
      });
  }

  private eventTarget(state: CredentialState): EventTarget {
    const resource = state.spec.resource;
    if (resource) return { apiVersion: "ferry.dev/v1alpha1", kind: "RegistryCredential", name: resource.name, uid: resource.uid };
    const existing = this.secrets.store.get(`${this.options.ferryNamespace}/${state.spec.secretName}`);
    return { apiVersion: "v1", kind: "Secret", namespace: this.options.ferryNamespace, name: state.spec.secretName, uid: existing?.metadata.uid };
  }

  private readiness(state: CredentialState): { status: "True" | "False"; reason: string; message: string } {
    const now = Date.now();
    if (state.writeProblem) return { status: "False", ...state.writeProblem };
    if (!state.auths) {
      if (state.spec.problem) return { status: "False", reason: state.spec.problem.reason, message: state.spec.problem.message };
      if (state.lastError) return { status: "False", reason: "RefreshFailed", message: state.lastError };
      return { status: "False", reason: "Pending", message: "fetching the credential" };
    }
    if (state.expiresAt !== undefined && state.expiresAt <= now) {
      return { status: "False", reason: "Expired", message: `the credential expired at ${new Date(state.expiresAt).toISOString()}${state.lastError ? `; last error: ${state.lastError}` : ""}` };
    }
    const count = new Set(state.auths.map((auth) => auth.registry)).size;
    return { status: "True", reason: "CredentialReady", message: `Secret ${state.spec.secretName} holds a login for ${count} registr${count === 1 ? "y" : "ies"}` };
  }

  /** Queue worker: makes the generated Secret and the status match the state. */
  private async sync(id: string): Promise<void> {
    const state = this.states.get(id);
    if (!state || this.stopped) return;
    try {
      await this.writeSecret(state);
    } finally {
      this.writeStatus(state);
    }
  }

  private desiredSecret(state: CredentialState): KubeObject {
    const spec = state.spec;
    const annotations: Record<string, string> = {
      [REGISTRY_CREDENTIAL_ANNOTATION]: registryCredentialAnnotation(spec),
      [CREDENTIAL_ID_ANNOTATION]: spec.id,
      [PROVIDER_ANNOTATION]: spec.provider,
    };
    if (state.expiresAt !== undefined) annotations[EXPIRES_ANNOTATION] = new Date(state.expiresAt).toISOString();
    return {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: spec.secretName, namespace: this.options.ferryNamespace, labels: { [GENERATED_LABEL]: "true" }, annotations },
      type: DOCKER_CONFIG_TYPE,
      data: { [DOCKER_CONFIG_KEY]: b64(dockerConfigJson(state.auths ?? [])) },
    };
  }

  private async writeSecret(state: CredentialState): Promise<void> {
    state.writeProblem = undefined;
    if (!state.auths) return; // nothing good yet: whatever is there (a last good one from before a restart) stays
    const desired = this.desiredSecret(state);
    const name = state.spec.secretName;
    const namespace = this.options.ferryNamespace;
    const existing = this.secrets.store.get(`${namespace}/${name}`);
    const path = `/api/v1/namespaces/${namespace}/secrets/${encodeURIComponent(name)}`;
    if (existing && existing.metadata.labels?.[GENERATED_LABEL] !== "true") {
      state.writeProblem = { reason: "SecretNameTaken", message: `Secret ${namespace}/${name} exists and was not generated by Ferry; left untouched` };
      return;
    }
    if (existing && existing.type === desired.type && canonicalJson(existing.data ?? {}) === canonicalJson(desired.data) && sameMetadata(existing, desired)) return;
    let written: KubeObject;
    if (!existing) {
      written = await this.options.client.request<KubeObject>("POST", `/api/v1/namespaces/${namespace}/secrets`, { body: desired });
    } else if (existing.type !== desired.type) {
      await this.options.client.request("DELETE", path, { body: { apiVersion: "v1", kind: "DeleteOptions", preconditions: { uid: existing.metadata.uid } } });
      written = await this.options.client.request<KubeObject>("POST", `/api/v1/namespaces/${namespace}/secrets`, { body: desired });
    } else {
      const body = { ...desired, metadata: { ...desired.metadata, resourceVersion: existing.metadata.resourceVersion, labels: { ...existing.metadata.labels, ...desired.metadata.labels }, annotations: { ...keepForeign(existing.metadata.annotations), ...desired.metadata.annotations } } };
      written = await this.options.client.request<KubeObject>("PUT", path, { body });
    }
    this.secrets.recordWrite(written, existing?.metadata.resourceVersion);
    this.log.debug({ credential: state.spec.id, secret: name }, "generated registry Secret written");
  }

  private writeStatus(state: CredentialState): void {
    const resource = state.spec.resource;
    if (!resource || !this.resources) return;
    const object = this.resources.store.get(resource.name);
    if (!object) return;
    const ready = this.readiness(state);
    const conditions: Array<Record<string, unknown>> = [{ type: "Ready", ...ready, observedGeneration: resource.generation }];
    if (state.auths && state.lastError) {
      conditions.push({ type: "Degraded", status: "True", reason: "RefreshFailed", message: `${state.lastError}; the last good credential stays in place until it expires`, observedGeneration: resource.generation });
    } else {
      conditions.push({ type: "Degraded", status: "False", reason: state.auths ? "Refreshed" : ready.reason, message: "", observedGeneration: resource.generation });
    }
    const status: Record<string, unknown> = {
      observedGeneration: resource.generation,
      secretName: state.spec.secretName,
      registries: [...new Set((state.auths ?? []).map((auth) => auth.registry))].sort(),
      conditions,
    };
    // Status is merge-patched: a field that no longer applies is cleared with null.
    status.lastRefreshTime = state.fetchedAt !== undefined ? new Date(state.fetchedAt).toISOString() : null;
    status.nextRefreshTime = state.nextRefreshAt !== undefined ? new Date(state.nextRefreshAt).toISOString() : null;
    status.expiresAt = state.expiresAt !== undefined ? new Date(state.expiresAt).toISOString() : null;
    status.lastError = state.lastError ?? null;
    this.statuses.update(registryCredentialsPath + "/" + resource.name, object as CustomResource, status);
  }

  /** True once configuration has been read at least once. */
  hasResynced(): boolean {
    return this.resynced;
  }
}

function keepForeign(annotations: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(annotations ?? {})) if (!key.startsWith("ferry.dev/")) out[key] = value;
  return out;
}

function sameMetadata(existing: KubeObject, desired: KubeObject): boolean {
  const pick = (map: Record<string, string> | undefined, keys: string[]) => canonicalJson(Object.fromEntries(keys.map((key) => [key, map?.[key] ?? null])));
  const labelKeys = Object.keys(desired.metadata.labels ?? {});
  const annotationKeys = [...new Set([...Object.keys(desired.metadata.annotations ?? {}), ...Object.keys(existing.metadata.annotations ?? {}).filter((key) => key.startsWith("ferry.dev/"))])];
  return (
    pick(existing.metadata.labels, labelKeys) === pick(desired.metadata.labels, labelKeys) &&
    pick(existing.metadata.annotations, annotationKeys) === pick(desired.metadata.annotations, annotationKeys)
  );
}
