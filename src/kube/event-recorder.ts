// Kubernetes Events (core/v1) with fixed CamelCase reasons, emitted on transitions only: the
// same reason and message for the same object is recorded once per process, so an idle cluster
// costs no Event writes. Messages are built by Ferry from names and reasons, never from data, and
// pass through redact() all the same.
import { randomBytes } from "node:crypto";
import { redact } from "../core/redact.js";
import type { KubeClient } from "./client.js";
import type { Logger } from "../ops/logger.js";

export interface EventTarget {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  uid?: string;
}

export class EventRecorder {
  private readonly seen = new Map<string, string>();
  private pending = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly logger: Logger,
    private readonly fallbackNamespace: string,
  ) {}

  /** Records an Event unless this object already has this exact one from this process. */
  record(target: EventTarget, type: "Normal" | "Warning", reason: string, message: string): void {
    const objectKey = `${target.kind}/${target.namespace ?? ""}/${target.name}/${target.uid ?? ""}`;
    const signature = `${reason}\u0000${message}`;
    if (this.seen.get(`${objectKey}\u0000${reason}`) === signature) return;
    this.seen.set(`${objectKey}\u0000${reason}`, signature);
    if (this.seen.size > 50_000) this.seen.clear();
    if (this.pending > 100) return; // shed load rather than queue without bound
    this.pending++;
    const namespace = target.namespace || this.fallbackNamespace;
    const now = new Date().toISOString();
    void this.client
      .request("POST", `/api/v1/namespaces/${namespace}/events`, {
        body: {
          apiVersion: "v1",
          kind: "Event",
          metadata: { name: `${target.name}.${randomBytes(8).toString("hex")}`, namespace },
          involvedObject: { apiVersion: target.apiVersion, kind: target.kind, namespace: target.namespace, name: target.name, uid: target.uid },
          type,
          reason,
          message: redact(message, { maxLength: 1024 }),
          source: { component: "ferry" },
          reportingComponent: "ferry.dev/controller",
          reportingInstance: process.env.HOSTNAME ?? "ferry",
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      })
      .catch((error: Error) => this.logger.debug({ err: error.message, reason }, "could not record event"))
      .finally(() => this.pending--);
  }

  /** Forgets what was recorded for an object, e.g. after its problem went away. */
  clear(target: EventTarget, reason: string): void {
    this.seen.delete(`${target.kind}/${target.namespace ?? ""}/${target.name}/${target.uid ?? ""}\u0000${reason}`);
  }
}
