// What the hub shows about members: the table of `ferry status` (redaction: test/unit/core/redact.test.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { formatMemberStatus, type MemberStatus } from "../../../src/multicluster/status.js";

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
