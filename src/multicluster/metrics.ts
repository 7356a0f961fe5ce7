// Per-member Prometheus metrics of the hub, registered in Ferry's registry (FerryMetrics.registry).
// Labels are member names, verbs and reasons only: never Secret values.
import { Counter, Gauge, type Registry } from "prom-client";
import type { MemberStatus } from "./status.js";

const byRegistry = new WeakMap<Registry, MemberMetrics>();

export class MemberMetrics {
  readonly reachable: Gauge<"member">;
  readonly inSync: Gauge<"member">;
  readonly objectsInSync: Gauge<"member">;
  readonly objectsDesired: Gauge<"member">;
  readonly conflicts: Gauge<"member">;
  readonly lastSync: Gauge<"member">;
  readonly writes: Counter<"member" | "verb">;
  readonly writeErrors: Counter<"member" | "reason">;

  private constructor(registry: Registry) {
    const registers = [registry];
    this.reachable = new Gauge({ name: "ferry_member_reachable", help: "1 when the member's API server answered the hub's last request", labelNames: ["member"], registers });
    this.inSync = new Gauge({ name: "ferry_member_in_sync", help: "1 when every copy the hub wants on the member is in sync", labelNames: ["member"], registers });
    this.objectsInSync = new Gauge({ name: "ferry_member_objects_in_sync", help: "Copies on the member equal to their hub source", labelNames: ["member"], registers });
    this.objectsDesired = new Gauge({ name: "ferry_member_objects_desired", help: "Copies the hub wants on the member", labelNames: ["member"], registers });
    this.conflicts = new Gauge({ name: "ferry_member_conflicts", help: "Targets on the member held by an object the hub does not own", labelNames: ["member"], registers });
    this.lastSync = new Gauge({ name: "ferry_member_last_sync_timestamp_seconds", help: "Unix time the member last reached the hub's fixed point", labelNames: ["member"], registers });
    this.writes = new Counter({ name: "ferry_member_writes_total", help: "Writes of the hub to a member, by verb", labelNames: ["member", "verb"], registers });
    this.writeErrors = new Counter({ name: "ferry_member_write_errors_total", help: "Failed writes of the hub to a member, by reason", labelNames: ["member", "reason"], registers });
  }

  /** One set of member metrics per registry (a second hub in one process shares them). */
  static for(registry: Registry): MemberMetrics {
    let metrics = byRegistry.get(registry);
    if (!metrics) {
      metrics = new MemberMetrics(registry);
      byRegistry.set(registry, metrics);
    }
    return metrics;
  }

  observe(status: MemberStatus): void {
    const member = { member: status.name };
    this.reachable.set(member, status.reachable ? 1 : 0);
    this.inSync.set(member, status.inSync ? 1 : 0);
    this.objectsInSync.set(member, status.objectsInSync);
    this.objectsDesired.set(member, status.objectsDesired);
    this.conflicts.set(member, status.conflicts);
    if (status.lastSyncTime) this.lastSync.set(member, Date.parse(status.lastSyncTime) / 1000);
  }

  private readonly counted = new Map<string, Array<{ counter: Counter<string>; labels: Record<string, string> }>>();

  private track(counter: Counter<string>, labels: Record<string, string>): void {
    const list = this.counted.get(labels.member!) ?? [];
    if (!list.some((entry) => entry.counter === counter && JSON.stringify(entry.labels) === JSON.stringify(labels))) list.push({ counter, labels });
    this.counted.set(labels.member!, list);
  }

  countWrite(member: string, verb: string): void {
    this.writes.inc({ member, verb });
    this.track(this.writes as Counter<string>, { member, verb });
  }

  countWriteError(member: string, reason: string): void {
    this.writeErrors.inc({ member, reason });
    this.track(this.writeErrors as Counter<string>, { member, reason });
  }

  /** Drops a removed member's series. */
  forget(name: string): void {
    for (const gauge of [this.reachable, this.inSync, this.objectsInSync, this.objectsDesired, this.conflicts, this.lastSync]) gauge.remove({ member: name });
    for (const { counter, labels } of this.counted.get(name) ?? []) counter.remove(labels);
    this.counted.delete(name);
  }
}
