// What the hub shows about members: redaction of key material in messages, and the table of
// `ferry status`.
import assert from "node:assert/strict";
import { test } from "node:test";
import { formatMemberStatus, sanitize, type MemberStatus } from "../../../src/multicluster/status.js";

test("messages keep paths and names readable and redact tokens and key material", () => {
  const jwt = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEyMyJ9.eyJpc3MiOiJrdWJlcm5ldGVzL3NlcnZpY2VhY2NvdW50In0.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmUtc2lnbg";
  const message = sanitize(`GET /api/v1/namespaces/ferry-system/secrets: Unauthorized (token ${jwt}) key MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7`);
  assert.match(message, /GET \/api\/v1\/namespaces\/ferry-system\/secrets/);
  assert.ok(!message.includes(jwt));
  assert.ok(!message.includes(jwt.split(".")[2]!), "a token's signature survived");
  assert.ok(!message.includes("MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7"));
  assert.ok(sanitize("x".repeat(30) + " ".repeat(600)).length <= 503);
});

test("ferry status table: one row per member", () => {
  const base: MemberStatus = {
    name: "eu-1",
    registration: "ferry-system/eu-1",
    reachable: true,
    lastSyncTime: "2026-01-01T00:00:00.000Z",
    objectsInSync: 2,
    objectsDesired: 2,
    conflicts: 0,
    inSync: true,
    lastError: null,
    failingTargets: [],
  };
  const text = formatMemberStatus([base, { ...base, name: "us-2", reachable: false, inSync: false, objectsInSync: 1, lastError: "member us-2 unreachable: connect ECONNREFUSED" }], Date.parse("2026-01-01T00:01:00.000Z"));
  const lines = text.trimEnd().split("\n");
  assert.equal(lines.length, 3);
  assert.match(lines[0]!, /^MEMBER\s+REACHABLE\s+IN SYNC\s+OBJECTS\s+CONFLICTS\s+LAST SYNC\s+LAST ERROR$/);
  assert.match(lines[1]!, /^eu-1\s+yes\s+yes\s+2\/2\s+0\s+60s ago$/);
  assert.match(lines[2]!, /^us-2\s+no\s+no\s+1\/2\s+0\s+60s ago\s+member us-2 unreachable/);
  assert.equal(formatMemberStatus([]), "no member clusters registered\n");
});
