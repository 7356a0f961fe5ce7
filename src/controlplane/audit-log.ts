// The apiserver's audit log for the local control plane: who wrote what, when, as the apiserver
// saw it. Metadata level only (user, verb, object, status, times; never a request or response
// body, so never a Secret value); of reads, only Leases and the lists and watches of collections
// (which collections a process watches), never a get. Tests use it to order the writes of
// different users, and to see what a process watches.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** One line of the audit log (the fields Ferry's tests read). */
export interface AuditEvent {
  stage: string;
  verb: string;
  user: { username: string };
  userAgent?: string;
  objectRef?: { resource?: string; namespace?: string; name?: string; subresource?: string };
  responseStatus?: { code?: number };
  /** RFC 3339 with microseconds, on the apiserver's clock. */
  requestReceivedTimestamp: string;
  stageTimestamp: string;
}

const policy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
  - level: Metadata
    resources: [{ group: "coordination.k8s.io", resources: ["leases"] }]
  - level: Metadata
    verbs: ["list", "watch"]
  - level: None
    verbs: ["get"]
  - level: Metadata
`;

const logPath = (dir: string) => join(dir, "logs", "audit.log");

/** kube-apiserver flags that write the audit log into the control plane's directory. */
export function auditArgs(dir: string): string[] {
  const policyPath = join(dir, "audit-policy.yaml");
  writeFileSync(policyPath, policy);
  return [`--audit-policy-file=${policyPath}`, `--audit-log-path=${logPath(dir)}`, "--audit-log-format=json", "--audit-log-mode=blocking"];
}

export function readAuditLog(dir: string): AuditEvent[] {
  const path = logPath(dir);
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as AuditEvent];
      } catch {
        return []; // the line being written right now
      }
    });
}

/** An audit timestamp in microseconds since the epoch (Date.parse keeps only milliseconds). */
export function auditMicros(timestamp: string): number {
  const fraction = /\.(\d+)Z$/.exec(timestamp)?.[1] ?? "0";
  return Date.parse(timestamp.replace(/\.\d+Z$/, "Z")) * 1000 + Number(fraction.padEnd(6, "0").slice(0, 6));
}
