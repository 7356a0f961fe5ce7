// Per-member status on the hub: the MemberStatus shape, the `ferry-members` ConfigMap in the
// hub's Ferry namespace (one JSON entry per member, written only when an entry changes, so an
// idle hub costs zero writes), and helpers for `ferry status` to read and print it.
// Nothing here carries Secret values: names, counts, times and sanitized API error messages.
import { canonicalJson } from "../core/hash.js";
import { KubeClient, isApiError } from "../kube/client.js";
import type { KubeObject } from "../kube/informer.js";
import type { Logger } from "../ops/logger.js";

export const MEMBERS_CONFIGMAP = "ferry-members";

export interface FailingTarget {
  /** The rule (for rule-level problems, e.g. a missing source) or the target namespace/name. */
  rule?: string;
  namespace?: string;
  name?: string;
  state: string;
  reason: string;
  message: string;
}

export interface MemberStatus {
  /** Member name (the registration's). */
  name: string;
  /** Registration Secret, namespace/name. */
  registration: string;
  /** The member's API server (from the registration; not a secret). */
  server?: string;
  /** What the member's own Ferry calls its cluster (its ConfigMap ferry-identity); null when none published one. */
  clusterName?: string | null;
  /** The member's API server answered the hub's last request (a 403 is an answer). */
  reachable: boolean;
  /** When the member last reached the hub's fixed point (every desired copy equal to its source); does not move while nothing changes. */
  lastSyncTime: string | null;
  /** Desired copies on the member that equal their source. */
  objectsInSync: number;
  /** Copies the hub wants on the member. */
  objectsDesired: number;
  /** Targets held by an object the hub does not own (someone else's, or another cluster's copy). */
  conflicts: number;
  /** Everything desired is in sync, nothing is pending, failing or held. */
  inSync: boolean;
  /** The member's current problem (null when there is none); history is in Events on the registration Secret. */
  lastError: string | null;
  /** Up to 10 targets or rules that are not in sync, with their reasons. */
  failingTargets: FailingTarget[];
}

function entry(status: MemberStatus): string {
  return JSON.stringify(JSON.parse(canonicalJson(status)), null, 2);
}

/** Keeps the ferry-members ConfigMap equal to the members' statuses, writing only differences. */
export class StatusPublisher {
  private written: Map<string, string> | undefined;
  private wanted = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private failures = 0;
  private stopped = false;
  writes = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly namespace: string,
    private readonly logger: Logger,
    private readonly name = MEMBERS_CONFIGMAP,
  ) {}

  private get path(): string {
    return `/api/v1/namespaces/${this.namespace}/configmaps/${this.name}`;
  }

  /** Sets the desired entries (all members); schedules a write if anything differs. */
  update(statuses: readonly MemberStatus[]): void {
    const wanted = new Map(statuses.map((status) => [status.name, entry(status)]));
    this.wanted = wanted;
    if (this.written && sameEntries(this.written, wanted)) return;
    this.schedule(100);
  }

  private schedule(ms: number): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.writing = this.write().finally(() => (this.writing = undefined));
    }, ms);
    this.timer.unref?.();
  }

  /** Resolves when what is wanted has been written (gives up after a few failed attempts). */
  async flush(): Promise<void> {
    for (let attempt = 0; attempt < 10; attempt++) {
      if (this.written && sameEntries(this.written, this.wanted)) return;
      if (this.timer) {
        clearTimeout(this.timer);
        this.timer = undefined;
      }
      if (!this.writing) this.writing = this.write().finally(() => (this.writing = undefined));
      await this.writing;
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private async write(): Promise<void> {
    if (this.stopped) return;
    const wanted = this.wanted;
    try {
      if (!this.written) {
        const existing = await this.client.getOptional<KubeObject>(this.path);
        this.written = new Map(Object.entries((existing?.data as Record<string, string> | undefined) ?? {}));
        if (!existing) {
          await this.client.request("POST", `/api/v1/namespaces/${this.namespace}/configmaps`, {
            body: {
              metadata: { name: this.name, labels: { "app.kubernetes.io/name": "ferry", "app.kubernetes.io/component": "multicluster-status" } },
              data: Object.fromEntries(wanted),
            },
          });
          this.writes++;
          this.written = new Map(wanted);
          this.failures = 0;
          return;
        }
      }
      if (sameEntries(this.written, wanted)) return;
      // A whole-object update (no patch): the chart grants Ferry update, never patch, on ConfigMaps.
      await this.client.request("PUT", this.path, {
        body: {
          metadata: { name: this.name, namespace: this.namespace, labels: { "app.kubernetes.io/name": "ferry", "app.kubernetes.io/component": "multicluster-status" } },
          data: Object.fromEntries(wanted),
        },
      });
      this.writes++;
      this.written = new Map(wanted);
      this.failures = 0;
    } catch (error) {
      if (isApiError(error, 404) || isApiError(error, 409)) this.written = undefined; // deleted or created meanwhile: look again
      this.failures++;
      if (this.failures === 1 || this.failures % 10 === 0) this.logger.warn({ err: (error as Error).message, configMap: this.name }, "could not write member status");
      this.schedule(Math.min(30_000, 500 * 2 ** Math.min(this.failures, 6)));
      return;
    }
    if (!sameEntries(this.written, this.wanted)) this.schedule(100);
  }
}

function sameEntries(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [key, value] of a) if (b.get(key) !== value) return false;
  return true;
}

/** Reads the member statuses a hub published (for `ferry status`). */
export async function readMemberStatus(client: KubeClient, ferryNamespace: string): Promise<MemberStatus[]> {
  const object = await client.getOptional<KubeObject>(`/api/v1/namespaces/${ferryNamespace}/configmaps/${MEMBERS_CONFIGMAP}`);
  const data = (object?.data as Record<string, string> | undefined) ?? {};
  return Object.keys(data)
    .sort()
    .flatMap((key) => {
      try {
        return [JSON.parse(data[key]!) as MemberStatus];
      } catch {
        return [];
      }
    });
}

/** A plain-text table of member statuses (for `ferry status`). */
export function formatMemberStatus(statuses: readonly MemberStatus[], now = Date.now()): string {
  if (statuses.length === 0) return "no member clusters registered\n";
  const age = (time: string | null) => {
    if (!time) return "never";
    const seconds = Math.max(0, Math.round((now - Date.parse(time)) / 1000));
    return seconds < 120 ? `${seconds}s ago` : seconds < 7200 ? `${Math.round(seconds / 60)}m ago` : `${Math.round(seconds / 3600)}h ago`;
  };
  const rows = [["MEMBER", "REACHABLE", "IN SYNC", "OBJECTS", "CONFLICTS", "LAST SYNC", "LAST ERROR"]];
  for (const s of statuses) {
    rows.push([s.name, s.reachable ? "yes" : "no", s.inSync ? "yes" : "no", `${s.objectsInSync}/${s.objectsDesired}`, String(s.conflicts), age(s.lastSyncTime), s.lastError ?? ""]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (i === row.length - 1 ? 0 : row[i]!.length))));
  return `${rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]! + 2))).join("").trimEnd()).join("\n")}\n`;
}
