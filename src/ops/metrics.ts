// Prometheus metrics (prom-client). Labels never carry Secret values: only kinds, verbs,
// results, controller and watch names, API groups and resources. docs/metrics.md lists every
// metric with its meaning and the alert it feeds; test/e2e/metrics-names.test.ts keeps that page,
// docs/grafana-dashboard.json and the chart's PrometheusRule in step with what /metrics serves.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { classifyApiserverRequest } from "./apiserver-request.js";
import { buildInfo } from "./build-info.js";

/** What the watch gauge reads of each watch: the informer's own record of its last activity. */
export interface WatchActivity {
  name: string;
  secondsSinceActivity: number;
}

export class FerryMetrics {
  readonly registry = new Registry();
  readonly buildInfo = new Gauge({ name: "ferry_build_info", help: "Always 1: Ferry's version and the Node.js version it runs on", labelNames: ["version", "node"], registers: [this.registry] });
  readonly apiserverRequests = new Counter({
    name: "ferry_apiserver_requests_total",
    help: "Ferry's requests to the Kubernetes API that got an answer, by verb, API group, resource, subresource and HTTP status code (watches not included)",
    labelNames: ["verb", "group", "resource", "subresource", "code"],
    registers: [this.registry],
  });
  readonly writes = new Counter({ name: "ferry_writes_total", help: "Writes to copies, by verb and kind", labelNames: ["verb", "kind"], registers: [this.registry] });
  readonly writeErrors = new Counter({ name: "ferry_write_errors_total", help: "Failed writes, by reason", labelNames: ["reason"], registers: [this.registry] });
  readonly reconciles = new Counter({ name: "ferry_reconcile_total", help: "Plan passes, by controller and result", labelNames: ["controller", "result"], registers: [this.registry] });
  readonly reconcileSeconds = new Histogram({
    name: "ferry_reconcile_duration_seconds",
    help: "Time to compute one plan",
    labelNames: ["controller"],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({ name: "ferry_workqueue_depth", help: "Keys waiting in the work queue", labelNames: ["queue"], registers: [this.registry] });
  readonly queueAdds = new Counter({ name: "ferry_workqueue_adds_total", help: "Keys added to the work queue", labelNames: ["queue"], registers: [this.registry] });
  readonly queueRetries = new Counter({ name: "ferry_workqueue_retries_total", help: "Keys retried after a failure", labelNames: ["queue"], registers: [this.registry] });
  readonly queueLatency = new Histogram({
    name: "ferry_workqueue_queue_duration_seconds",
    help: "Time a key waits in the queue before processing",
    labelNames: ["queue"],
    buckets: [0.001, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60],
    registers: [this.registry],
  });
  readonly takeovers = new Counter({
    name: "ferry_takeovers_total",
    help: "Unmanaged objects taken over as Ferry copies (a tool's copies at cutover), by dialect of the rule, tool and evidence (marks or consent)",
    labelNames: ["dialect", "tool", "evidence"],
    registers: [this.registry],
  });
  readonly copies = new Gauge({ name: "ferry_copies", help: "Desired copies by state", labelNames: ["state"], registers: [this.registry] });
  readonly rules = new Gauge({ name: "ferry_rules", help: "Rules by dialect", labelNames: ["dialect"], registers: [this.registry] });
  readonly watchRestarts = new Counter({ name: "ferry_watch_restarts_total", help: "Watch restarts, by watch", labelNames: ["watch"], registers: [this.registry] });
  /**
   * A timestamp, not an age: it keeps its meaning when the loop that would refresh it stalls, and
   * is read from the informers at scrape time, so it never lags behind them.
   */
  readonly watchLastEvent = new Gauge({
    name: "ferry_watch_last_event_timestamp_seconds",
    help: "Unix time at which each watch last listed or delivered an event or bookmark",
    labelNames: ["watch"],
    registers: [this.registry],
    collect: () => this.collectWatches(),
  });
  readonly credentialExpiry = new Gauge({
    name: "ferry_registry_credential_expiry_timestamp_seconds",
    help: "Unix time at which each registry credential expires",
    labelNames: ["credential"],
    registers: [this.registry],
  });
  private watches: (() => WatchActivity[]) | undefined;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const build = buildInfo();
    this.buildInfo.set({ version: build.version, node: build.node }, 1);
    // The standard names (process_*, nodejs_*), which stock dashboards and alerts use. Event-loop
    // lag sampled once a second, not prom-client's default every 10 ms: the sampling timer wakes
    // an idle process each time; measured here, every 10 ms cost ~0.5 % of a core, every 100 ms
    // 0.054 %, every 1 s 0.007 % (the idle budget is 0.1 %, bench/). A stalled loop still shows.
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 1000 });
  }

  /**
   * KubeClientOptions.onRequest: counts one answered request. Only the verb, group, resource,
   * subresource and status reach the labels; namespaces and names in the path are dropped.
   */
  readonly onRequest = (method: string, path: string, status: number): void => {
    const { verb, group, resource, subresource } = classifyApiserverRequest(method, path);
    this.apiserverRequests.inc({ verb, group, resource, subresource, code: String(status) });
  };

  /** The watches whose last activity `ferry_watch_last_event_timestamp_seconds` reports (undefined: none). */
  trackWatches(source: (() => WatchActivity[]) | undefined): void {
    this.watches = source;
  }

  private collectWatches(): void {
    this.watchLastEvent.reset();
    const now = Date.now();
    for (const watch of this.watches?.() ?? []) {
      if (!Number.isFinite(watch.secondsSinceActivity)) continue; // not listed yet
      this.watchLastEvent.set({ watch: watch.name }, Math.round(now - watch.secondsSinceActivity * 1000) / 1000);
    }
  }
}
