// The credentials the registry keeps and their refresh: each is fetched from its provider when
// it appears or its configuration changes, refreshed at 50-75 % of its token's lifetime, retried
// with backoff on errors while the last good credential stays in place until it expires. Status,
// Events, logs and the expiry metric never carry a credential value (messages pass describeError).
import { describeError, secretValues } from "../core/redact.js";
import type { EventRecorder, EventTarget } from "../kube/event-recorder.js";
import type { Logger } from "../ops/logger.js";
import type { FerryMetrics } from "../ops/metrics.js";
import { configSecrets } from "./config.js";
import { earliestExpiry } from "./dockerconfig.js";
import type { ProviderFetch } from "./providers/index.js";
import { refreshDelay, retryDelay, type ScheduleTuning } from "./schedule.js";
import type { CredentialSpec, RegistryAuth } from "./types.js";

export interface CredentialState {
  spec: CredentialSpec;
  auths?: RegistryAuth[];
  fetchedAt?: number;
  expiresAt?: number;
  nextRefreshAt?: number;
  failures: number;
  lastError?: string;
  /** A write problem (name taken by a Secret Ferry did not generate). */
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

export interface CredentialsOptions {
  fetch: ProviderFetch;
  tuning: ScheduleTuning;
  random: () => number;
  events: EventRecorder;
  metrics?: FerryMetrics;
  logger: Logger;
  /** Where Events about a credential go. */
  eventTarget(state: CredentialState): EventTarget;
  /** A fetch finished (logins or an error): the generated Secret and the status may need a write. */
  onFetched(): void;
}

export class Credentials {
  readonly states = new Map<string, CredentialState>();
  private stopped = false;

  constructor(private readonly options: CredentialsOptions) {}

  /** The wanted credentials: new ones are fetched, changed ones fetched again, removed ones forgotten. */
  update(specs: readonly CredentialSpec[]): void {
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
      }
    }
    for (const [id, state] of this.states) {
      if (wanted.has(id)) continue;
      if (state.timer) clearTimeout(state.timer);
      this.states.delete(id);
      this.options.metrics?.credentialExpiry.remove({ credential: id });
      this.options.logger.info({ credential: id }, "registry credential removed");
    }
  }

  stop(): void {
    this.stopped = true;
    for (const state of this.states.values()) if (state.timer) clearTimeout(state.timer);
  }

  readiness(state: CredentialState): { status: "True" | "False"; reason: string; message: string } {
    if (state.writeProblem) return { status: "False", ...state.writeProblem };
    if (!state.auths) {
      if (state.spec.problem) return { status: "False", reason: state.spec.problem.reason, message: state.spec.problem.message };
      if (state.lastError) return { status: "False", reason: "RefreshFailed", message: state.lastError };
      return { status: "False", reason: "Pending", message: "fetching the credential" };
    }
    if (state.expiresAt !== undefined && state.expiresAt <= Date.now()) {
      return { status: "False", reason: "Expired", message: `the credential expired at ${new Date(state.expiresAt).toISOString()}${state.lastError ? `; last error: ${state.lastError}` : ""}` };
    }
    const count = new Set(state.auths.map((auth) => auth.registry)).size;
    return { status: "True", reason: "CredentialReady", message: `Secret ${state.spec.secretName} holds a login for ${count} registr${count === 1 ? "y" : "ies"}` };
  }

  info(state: CredentialState): CredentialInfo {
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
      this.options.onFetched();
      return;
    }
    state.fetching = true;
    state.fetches++;
    const config = spec.config;
    const secrets = secretValues(configSecrets(config));
    const { metrics, events, logger: log } = this.options;
    void this.options
      .fetch(config)
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
        if (state.expiresAt !== undefined) metrics?.credentialExpiry.set({ credential: spec.id }, Math.floor(state.expiresAt / 1000));
        else metrics?.credentialExpiry.remove({ credential: spec.id });
        this.schedule(state, refreshDelay(now, state.expiresAt, this.options.random(), this.options.tuning));
        const target = this.options.eventTarget(state);
        const registries = [...new Set(auths.map((a) => a.registry))];
        events.clear(target, "RefreshFailed");
        if (recovered) events.record(target, "Normal", "CredentialRefreshed", `${spec.provider} credential for ${registries.length} registr${auths.length === 1 ? "y" : "ies"} is ready in Secret ${spec.secretName}`);
        log.info(
          { credential: spec.id, secret: spec.secretName, registries, expiresAt: expiry?.toISOString(), nextRefresh: state.nextRefreshAt ? new Date(state.nextRefreshAt).toISOString() : undefined },
          "registry credential refreshed",
        );
      })
      .catch((error: unknown) => {
        state.failures++;
        const message = describeError(error, { secrets, maxLength: 300 });
        state.lastError = message;
        const now = Date.now();
        const valid = state.expiresAt === undefined ? state.auths !== undefined : state.expiresAt > now;
        const delay = retryDelay(state.failures, this.options.random(), now, valid ? state.expiresAt : undefined, this.options.tuning);
        this.schedule(state, delay);
        const keeping = state.auths ? (valid ? `; keeping the last good credential${state.expiresAt ? ` until ${new Date(state.expiresAt).toISOString()}` : ""}` : "; the last good credential has expired") : "";
        events.record(this.options.eventTarget(state), "Warning", "RefreshFailed", `${spec.provider}: ${message}${keeping}`);
        if (state.failures === 1 || state.failures % 10 === 0) log.warn({ credential: spec.id, failures: state.failures, retryInMs: delay, err: message }, "registry credential refresh failed");
      })
      .finally(() => {
        state.fetching = false;
        if (this.states.get(spec.id) === state) this.options.onFetched();
        if (state.fetchAgain) {
          state.fetchAgain = false;
          this.startFetch(state);
        }
      });
  }
}
