// What a full plan pass tells the world: the status subresource of each custom resource that
// holds rules, Events for problems, conflicts and bad input (one per object and reason, written
// when its message changes: an idle cluster costs no write), log lines for bad input, and the
// engine's metrics.
import { redact } from "../core/redact.js";
import type { Rule, RuleError, RuleOrigin, RuleReport, Takeover } from "../core/types.js";
import type { KubeClient } from "../kube/client.js";
import { customResourcePath } from "../kube/collections.js";
import { EventRecorder } from "../kube/event-recorder.js";
import { StatusWriter } from "../kube/status-writer.js";
import type { Logger } from "../ops/logger.js";
import type { FerryMetrics } from "../ops/metrics.js";
import { problemEvents, type ProblemEvent } from "./problem-events.js";
import type { ParsedOrigin } from "./rule-index.js";

const originKey = (origin: Pick<RuleOrigin, "kind" | "namespace" | "name">) => `${origin.kind}/${origin.namespace ?? ""}/${origin.name}`;

export class Reporter {
  private readonly events: EventRecorder;
  private readonly statuses: StatusWriter;
  /** The Events of the last full pass, by eventKey. */
  private reported = new Map<string, ProblemEvent>();

  constructor(
    client: KubeClient,
    private readonly log: Logger,
    private readonly metrics: FerryMetrics | undefined,
    mayWrite?: () => boolean,
  ) {
    // Events of cluster-scoped objects go to `default`, where `kubectl describe` looks for them.
    this.events = new EventRecorder(client, log, "default", { mayWrite });
    this.statuses = new StatusWriter(client, log, (error) => log.warn({ err: error.message }, "status write failed"));
  }

  /** Statuses of custom resources, and Events for problems, conflicts and bad input. */
  report(reports: readonly RuleReport[], errors: readonly RuleError[], origins: Iterable<ParsedOrigin>): void {
    const byOrigin = new Map<string, RuleReport[]>();
    for (const report of reports) {
      const key = originKey(report.rule.origin);
      const list = byOrigin.get(key);
      if (list) list.push(report);
      else byOrigin.set(key, [report]);
    }
    const errorsByOrigin = new Map<string, RuleError[]>();
    for (const error of errors) {
      const key = originKey(error.origin);
      errorsByOrigin.set(key, [...(errorsByOrigin.get(key) ?? []), error]);
      this.log.warn({ dialect: error.origin.dialect, kind: error.origin.kind, namespace: error.origin.namespace, name: error.origin.name, reason: error.reason }, redact(error.message, { maxLength: 1024 }));
    }
    this.reportEvents(reports, errors);
    for (const origin of origins) {
      if (!origin.resource || !origin.type || !origin.dialect.statusFor) continue;
      const key = originKey({ kind: origin.resource.kind, namespace: origin.type.namespaced ? origin.resource.metadata.namespace : undefined, name: origin.resource.metadata.name });
      const status = origin.dialect.statusFor(origin.resource, byOrigin.get(key) ?? [], errorsByOrigin.get(key) ?? []);
      if (status) this.statuses.update(customResourcePath(origin.type, origin.resource.metadata.namespace, origin.resource.metadata.name), origin.resource, status);
    }
  }

  /** One Event per object and reason; a problem gone since the last pass is cleared, so it is reported again if it returns. */
  private reportEvents(reports: readonly RuleReport[], errors: readonly RuleError[]): void {
    const now = new Map<string, ProblemEvent>();
    for (const event of problemEvents(reports, errors)) {
      now.set(event.key, event);
      this.events.record(event.target, "Warning", event.reason, event.message);
    }
    for (const [key, event] of this.reported) if (!now.has(key)) this.events.clear(event.target, event.reason);
    this.reported = now;
  }

  /** Sends no more Events (the engine stops). */
  stop(): void {
    this.events.stop();
  }

  /** A write made an unmanaged object (another tool's copy) a copy of `origin`'s rule: an Event and a count. */
  tookOver(origin: RuleOrigin, target: { namespace: string; name: string; kind: string }, takeover: Takeover): void {
    const how = takeover.evidence === "marks" ? "its marks name this source" : "the tool leaves no marks; taken over with consent (--take-over-unmarked)";
    this.events.record({ ...origin }, "Normal", "TookOver", `${target.namespace}/${target.name}: took over ${takeover.tool}'s ${target.kind} (${how}); it is a Ferry copy now`, `${target.kind}/${target.namespace}/${target.name}`);
    this.log.info({ dialect: origin.dialect, tool: takeover.tool, evidence: takeover.evidence, kind: target.kind, namespace: target.namespace, name: target.name }, "took over a copy");
    this.metrics?.takeovers.inc({ dialect: origin.dialect, tool: takeover.tool, evidence: takeover.evidence });
  }

  /** The engine's metrics with the reports (`passSeconds`: they come from a full pass of that length). */
  publishMetrics(reports: readonly RuleReport[], rules: readonly Rule[], passSeconds: number | undefined, queueDepth: number): void {
    const metrics = this.metrics;
    if (!metrics) return;
    if (passSeconds !== undefined) {
      metrics.reconciles.inc({ controller: "distribution", result: "ok" });
      metrics.reconcileSeconds.observe({ controller: "distribution" }, passSeconds);
    }
    metrics.queueDepth.set({ queue: "copies" }, queueDepth);
    const sum = (field: "desired" | "synced" | "conflicts" | "failed" | "takenOver") => reports.reduce((total, report) => total + (report[field] ?? 0), 0);
    metrics.copies.set({ state: "desired" }, sum("desired"));
    metrics.copies.set({ state: "synced" }, sum("synced"));
    metrics.copies.set({ state: "conflict" }, sum("conflicts"));
    metrics.copies.set({ state: "failed" }, sum("failed"));
    metrics.copies.set({ state: "taken_over" }, sum("takenOver"));
    metrics.rules.reset();
    for (const rule of rules) metrics.rules.inc({ dialect: rule.origin.dialect });
  }
}
