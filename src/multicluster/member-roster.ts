// The registered members, one worker each: registrations (Secrets in the hub's Ferry namespace,
// and Argo CD cluster Secrets) are read on every recompute, so adding, changing or removing one
// needs no restart. Transitions of a member's problem become Events on its registration Secret.
import type { EventRecorder } from "../kube/event-recorder.js";
import type { KubeObject } from "../kube/informer.js";
import { MemberWorker, type MemberWorkerOptions } from "./member.js";
import { isRegistration, parseRegistration, type ParsedRegistration } from "./registration.js";
import type { HubRules } from "./rules.js";
import type { MemberStatus } from "./status.js";

interface MemberEntry {
  worker: MemberWorker;
  fingerprint: string;
  secret: { namespace: string; name: string; uid?: string };
  reported?: { reachable: boolean; lastError: string | null };
}

/** What every member's worker is started with, and what the roster itself needs. */
export type MemberRosterOptions = Omit<MemberWorkerOptions, "registration" | "onStatus"> & {
  ferryNamespace: string;
  events: EventRecorder;
  /** The statuses changed (a member's, or the set of members). */
  onStatus(): void;
};

const byName = (a: KubeObject, b: KubeObject) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0);

export class MemberRoster {
  private readonly members = new Map<string, MemberEntry>();
  private readonly warnedDuplicates = new Set<string>();
  private rules: HubRules | undefined;
  private stopped = false;

  constructor(private readonly options: MemberRosterOptions) {}

  /** Starts, reconnects and stops workers to match the registrations. */
  reconcile(secrets: Iterable<KubeObject>, argoCd: Iterable<KubeObject>): void {
    const parsed = new Map<string, ParsedRegistration>();
    for (const object of [...secrets].filter(isRegistration).sort(byName)) this.add(parsed, parseRegistration(object, { ferryNamespace: this.options.ferryNamespace }));
    for (const object of [...argoCd].filter(isRegistration).sort(byName)) this.add(parsed, parseRegistration(object, { ferryNamespace: this.options.ferryNamespace, nameFromArgoCd: true }));
    const log = this.options.logger;
    for (const [name, registration] of parsed) {
      const fingerprint = registration.ok ? registration.registration.fingerprint : `problem:${registration.problem.message}`;
      const existing = this.members.get(name);
      if (existing && existing.fingerprint === fingerprint) {
        if (registration.ok) existing.worker.setLabels(registration.registration.labels);
        continue;
      }
      if (existing) {
        log.info({ member: name }, "member registration changed: reconnecting");
        void existing.worker.stop();
      } else {
        log.info({ member: name }, "member registered");
      }
      const { events: _events, onStatus: _onStatus, ferryNamespace: _ns, ...shared } = this.options;
      const worker = new MemberWorker({ ...shared, registration, onStatus: () => this.statusChanged(name) });
      const secret = registration.ok ? registration.registration.secret : registration.problem.secret;
      this.members.set(name, { worker, fingerprint, secret, reported: existing?.reported });
      worker.setRules(this.rules);
      worker.start();
    }
    for (const [name, entry] of this.members) {
      if (parsed.has(name)) continue;
      log.info({ member: name }, "member registration removed: no longer pushing to it (its copies stay)");
      this.members.delete(name);
      void entry.worker.stop();
      this.options.metrics?.forget(name);
      this.options.onStatus();
    }
  }

  setRules(rules: HubRules | undefined): void {
    this.rules = rules;
    for (const entry of this.members.values()) entry.worker.setRules(rules);
  }

  statuses(): MemberStatus[] {
    return [...this.members.values()].map((entry) => entry.worker.status()).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  refreshStatuses(): void {
    for (const entry of this.members.values()) entry.worker.refreshStatus();
  }

  async resync(): Promise<void> {
    await Promise.all([...this.members.values()].map((entry) => entry.worker.resync()));
    this.refreshStatuses();
  }

  stop(): Array<Promise<void>> {
    this.stopped = true;
    return [...this.members.values()].map((entry) => entry.worker.stop());
  }

  /** One registration per member name: a second one naming the same member is ignored, with an Event. */
  private add(parsed: Map<string, ParsedRegistration>, registration: ParsedRegistration): void {
    const name = registration.ok ? registration.registration.name : registration.problem.name;
    const secret = registration.ok ? registration.registration.secret : registration.problem.secret;
    const existing = parsed.get(name);
    if (!existing) {
      parsed.set(name, registration);
      return;
    }
    const first = existing.ok ? existing.registration.secret : existing.problem.secret;
    const message = `registration Secret ${secret.namespace}/${secret.name} names member ${name}, already registered by ${first.namespace}/${first.name}: ignored`;
    if (!this.warnedDuplicates.has(message)) this.options.logger.warn(message);
    this.warnedDuplicates.add(message);
    this.options.events.record({ apiVersion: "v1", kind: "Secret", ...secret }, "Warning", "DuplicateMember", message);
  }

  private statusChanged(name: string): void {
    if (this.stopped) return;
    const entry = this.members.get(name);
    if (entry) this.recordTransition(entry);
    this.options.onStatus();
  }

  /** Events on the registration Secret when a member's problem appears, changes or goes away. */
  private recordTransition(entry: MemberEntry): void {
    const { events } = this.options;
    const status = entry.worker.status();
    const before = entry.reported ?? { reachable: true, lastError: null };
    const target = { apiVersion: "v1", kind: "Secret", namespace: entry.secret.namespace, name: entry.secret.name, uid: entry.secret.uid };
    if (status.lastError !== null && (status.lastError !== before.lastError || status.reachable !== before.reachable)) {
      events.record(target, "Warning", status.reachable ? "MemberError" : "MemberUnreachable", status.lastError);
    } else if (status.lastError === null && before.lastError !== null) {
      events.clear(target, "MemberError");
      events.clear(target, "MemberUnreachable");
      events.clear(target, "MemberRecovered");
      events.record(target, "Normal", "MemberRecovered", `member ${status.name} is reachable again and served`);
    }
    entry.reported = { reachable: status.reachable, lastError: status.lastError };
  }
}
