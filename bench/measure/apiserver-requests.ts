// What the apiserver itself counts (`apiserver_request_total`), by verb and resource, for the
// resources an operator of copies touches: writes and reads during a window, all clients. Leases
// are left out (the control plane renews its own); Events are in.
import type { LocalControlPlane } from "../../src/controlplane/local-control-plane.js";

export interface RequestCounts {
  writes: number;
  reads: number;
  /** "VERB resource" -> count, e.g. "POST events". */
  byVerb: Record<string, number>;
}

const writeVerbs = new Set(["POST", "PUT", "PATCH", "DELETE", "APPLY"]);
const readVerbs = new Set(["GET", "LIST", "WATCH"]);
const counted = new Set(["secrets", "configmaps", "events", "distributions", "clusterdistributions", "serviceaccounts", "namespaces", "customresourcedefinitions"]);

export async function requestCounts(plane: LocalControlPlane): Promise<RequestCounts> {
  const counts: RequestCounts = { writes: 0, reads: 0, byVerb: {} };
  for (const line of (await plane.apiserverMetrics()).split("\n")) {
    if (!line.startsWith("apiserver_request_total{")) continue;
    const verb = /verb="([A-Z]+)"/.exec(line)?.[1] ?? "";
    const resource = /resource="([^"]*)"/.exec(line)?.[1] ?? "";
    if (!counted.has(resource)) continue;
    const value = Number(line.split(" ").pop());
    if (writeVerbs.has(verb)) counts.writes += value;
    else if (readVerbs.has(verb)) counts.reads += value;
    const key = `${verb} ${resource}`;
    counts.byVerb[key] = (counts.byVerb[key] ?? 0) + value;
  }
  return counts;
}

/** The requests between two readings; `events` is the Event writes among them. */
export function requestDelta(after: RequestCounts, before: RequestCounts): RequestCounts & { events: number } {
  const byVerb: Record<string, number> = {};
  for (const [key, value] of Object.entries(after.byVerb)) {
    const d = value - (before.byVerb[key] ?? 0);
    if (d !== 0) byVerb[key] = d;
  }
  const events = Object.entries(byVerb)
    .filter(([key]) => key.endsWith(" events") && writeVerbs.has(key.split(" ")[0]!))
    .reduce((sum, [, n]) => sum + n, 0);
  return { writes: after.writes - before.writes, reads: after.reads - before.reads, byVerb, events };
}

/** Counts requests from now on: `stop()` gives the delta. */
export async function countRequests(plane: LocalControlPlane): Promise<{ stop(): Promise<RequestCounts & { events: number }> }> {
  const before = await requestCounts(plane);
  return { stop: async () => requestDelta(await requestCounts(plane), before) };
}
