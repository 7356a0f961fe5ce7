// An executor's metrics in Ferry's metric names (ops/metrics.ts): writes by verb and kind, failed
// writes by reason, and the work queue's adds, retries, depth and wait, labelled with its name.
import type { FerryMetrics } from "../ops/metrics.js";
import type { ExecutorMetrics } from "./executor.js";

export function executorMetrics(metrics: FerryMetrics | undefined, queue: string): ExecutorMetrics | undefined {
  if (!metrics) return undefined;
  return {
    written: (verb, kind) => metrics.writes.inc({ verb, kind }),
    failed: (reason) => metrics.writeErrors.inc({ reason }),
    queued: () => metrics.queueAdds.inc({ queue }),
    retried: () => metrics.queueRetries.inc({ queue }),
    done: (depth, queuedMs) => {
      metrics.queueDepth.set({ queue }, depth);
      metrics.queueLatency.observe({ queue }, queuedMs / 1000);
    },
  };
}
