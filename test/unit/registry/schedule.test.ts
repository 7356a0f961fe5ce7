// Refresh scheduling and retry backoff.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { defaultTuning, refreshDelay, retryDelay } from "../../../src/registry/schedule.js";

const hour = 3_600_000;

test("ECR's 12 h tokens are refreshed between 6 h and 9 h after the fetch, jittered", () => {
  assert.equal(refreshDelay(0, 12 * hour, 0), 6 * hour);
  assert.equal(refreshDelay(0, 12 * hour, 1), 9 * hour);
  assert.equal(refreshDelay(0, 12 * hour, 0.5), 7.5 * hour);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1e12 }), fc.integer({ min: 2_000, max: 48 * hour }), fc.double({ min: 0, max: 1, noNaN: true }), (now, lifetime, random) => {
      const delay = refreshDelay(now, now + lifetime, random)!;
      assert.ok(delay >= lifetime * 0.5 - 1 && delay <= lifetime * 0.75, `${delay} within 50-75% of ${lifetime}`);
      assert.ok(delay < lifetime, "always before expiry");
    }),
  );
});

test("static credentials are not refreshed on a timer; tiny lifetimes keep a floor", () => {
  assert.equal(refreshDelay(0, undefined, 0.3), undefined);
  assert.equal(refreshDelay(0, 500, 0.3), defaultTuning.minRefreshMs);
});

test("retries back off exponentially with jitter, capped, and come before a valid credential expires", () => {
  const tuning = { ...defaultTuning, retryBaseMs: 1_000, retryMaxMs: 60_000 };
  assert.equal(retryDelay(1, 1, 0, undefined, tuning), 1_000);
  assert.equal(retryDelay(2, 1, 0, undefined, tuning), 2_000);
  assert.equal(retryDelay(3, 0, 0, undefined, tuning), 2_000);
  assert.equal(retryDelay(20, 1, 0, undefined, tuning), 60_000);
  assert.equal(retryDelay(20, 1, 0, 30_000, tuning), 15_000, "half of the remaining life");
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 100 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.option(fc.integer({ min: 1, max: 10 * hour })), (failures, random, remaining) => {
      const delay = retryDelay(failures, random, 0, remaining ?? undefined, tuning);
      assert.ok(delay >= 1 && delay <= tuning.retryMaxMs);
      if (remaining !== null && remaining > tuning.retryBaseMs) assert.ok(delay < remaining);
    }),
  );
});
