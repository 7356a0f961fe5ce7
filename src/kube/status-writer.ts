// Writes the status subresource of custom resources, only when it changed. Condition
// lastTransitionTime is kept while a condition's status stays the same, so a steady state
// compares equal and costs no write. Messages and last errors pass through redact().
import { canonicalJson } from "../core/hash.js";
import { redact } from "../core/redact.js";
import type { KubeClient } from "./client.js";
import { isApiError } from "./client.js";
import { WorkQueue } from "./work-queue.js";
import type { Logger } from "../ops/logger.js";

interface Condition {
  type: string;
  status: string;
  lastTransitionTime?: string;
  [field: string]: unknown;
}

function withoutTimes(status: Record<string, unknown>): string {
  const conditions = (status.conditions as Condition[] | undefined)?.map(({ lastTransitionTime: _time, ...rest }) => rest);
  return canonicalJson({ ...status, conditions });
}

export class StatusWriter {
  private readonly pending = new Map<string, Record<string, unknown>>();
  private readonly written = new Map<string, string>();
  private readonly queue: WorkQueue;

  constructor(
    private readonly client: KubeClient,
    private readonly log: Logger,
    onError: (error: Error) => void,
  ) {
    this.queue = new WorkQueue({
      concurrency: 4,
      handler: (path) => this.write(path),
      onError: (_path, error) => onError(error as Error),
    });
  }

  /** Asks for the status at `path` to become `status` (if it differs from the resource's current one). */
  update(path: string, resource: { status?: unknown }, wanted: Record<string, unknown>): void {
    const status = redactMessages(wanted) as Record<string, unknown>;
    const current = (resource.status ?? {}) as Record<string, unknown>;
    const previous = new Map(((current.conditions as Condition[] | undefined) ?? []).map((c) => [c.type, c]));
    const now = new Date().toISOString();
    const conditions = (status.conditions as Condition[] | undefined)?.map((condition) => {
      const before = previous.get(condition.type);
      return { ...condition, lastTransitionTime: before && before.status === condition.status && before.lastTransitionTime ? before.lastTransitionTime : now };
    });
    const next = conditions ? { ...status, conditions } : status;
    const comparable = withoutTimes(next);
    if (comparable === withoutTimes(current) || this.written.get(path) === comparable) {
      this.pending.delete(path);
      return;
    }
    this.pending.set(path, next);
    this.queue.add(path);
  }

  private async write(path: string): Promise<void> {
    const status = this.pending.get(path);
    if (!status) return;
    this.pending.delete(path);
    try {
      await this.client.request("PATCH", `${path}/status`, { body: { status }, contentType: "application/merge-patch+json" });
      this.written.set(path, withoutTimes(status));
      if (this.written.size > 20_000) this.written.clear();
    } catch (error) {
      if (isApiError(error, 404)) return; // the resource is gone
      this.pending.set(path, status);
      this.log.debug({ path }, "status write will be retried");
      throw error;
    }
  }
}

/** The status with every `message` and `lastError` string redacted (invariant 5). */
function redactMessages(value: unknown, key?: string): unknown {
  if (typeof value === "string") return key === "message" || key === "lastError" ? redact(value, { maxLength: 1024 }) : value;
  if (Array.isArray(value)) return value.map((item) => redactMessages(item));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactMessages(v, k)]));
  return value;
}
