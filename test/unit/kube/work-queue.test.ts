// The keyed work queue: dedupe, one worker per key, bounded concurrency, per-key backoff, and
// idle()/stop() that never leave a caller waiting forever. Pure (timers only, no cluster).
import assert from "node:assert/strict";
import { test } from "node:test";
import { WorkQueue } from "../../../src/kube/work-queue.js";
import { waitFor } from "../../../src/util/wait-for.js";

/** A promise with its resolve exposed: lets a test hold a handler until it says so. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

test("a key queued several times while it waits is processed once", async () => {
  const seen: string[] = [];
  const hold = gate();
  const queue = new WorkQueue({
    concurrency: 1,
    handler: async (key) => {
      seen.push(key);
      if (key === "blocker") await hold.promise;
    },
  });
  queue.add("blocker");
  for (let i = 0; i < 5; i++) queue.add("a");
  queue.add("b");
  assert.equal(queue.depth, 2, "a is queued once");
  hold.open();
  await queue.idle();
  assert.deepEqual(seen, ["blocker", "a", "b"]);
  assert.equal(queue.adds, 7);
});

test("a key is never processed by two workers at once; an add while it runs processes it once more afterwards", async () => {
  const running = new Set<string>();
  let overlaps = 0;
  let runs = 0;
  const first = gate();
  const queue = new WorkQueue({
    concurrency: 8,
    handler: async (key) => {
      if (running.has(key)) overlaps++;
      running.add(key);
      runs++;
      if (runs === 1) await first.promise;
      running.delete(key);
    },
  });
  queue.add("k");
  await waitFor(() => queue.inFlight === 1, { timeoutMs: 1_000, description: "the first run to start" });
  queue.add("k");
  queue.add("k");
  assert.equal(queue.inFlight, 1, "the second add waits for the first run");
  first.open();
  await queue.idle();
  assert.equal(overlaps, 0);
  assert.equal(runs, 2, "the adds made while it ran are one more run");
});

test("concurrency bounds the handlers running at once", async () => {
  let running = 0;
  let peak = 0;
  const release = gate();
  const queue = new WorkQueue({
    concurrency: 3,
    handler: async () => {
      running++;
      peak = Math.max(peak, running);
      await release.promise;
      running--;
    },
  });
  for (let i = 0; i < 10; i++) queue.add(`k${i}`);
  assert.equal(queue.inFlight, 3);
  assert.equal(queue.depth, 7);
  release.open();
  await queue.idle();
  assert.equal(peak, 3);
});

test("a failing key is retried with backoff and counted; success clears its failures", async () => {
  let calls = 0;
  const errors: number[] = [];
  const queue = new WorkQueue({
    concurrency: 1,
    baseBackoffMs: 5,
    maxBackoffMs: 20,
    handler: async () => {
      calls++;
      if (calls < 3) throw new Error("not yet");
    },
    onError: (_key, _error, failures) => errors.push(failures),
  });
  queue.add("k");
  await queue.idle();
  assert.equal(calls, 3);
  assert.deepEqual(errors, [1, 2]);
  assert.equal(queue.failureCount("k"), 0);
  assert.equal(queue.retries, 2);
});

test("forget() drops a key's pending retry: idle() no longer waits for it", async () => {
  const queue = new WorkQueue({
    concurrency: 1,
    baseBackoffMs: 60_000,
    handler: async () => {
      throw new Error("always");
    },
  });
  queue.add("k");
  await waitFor(() => queue.waiting === 1, { timeoutMs: 1_000, description: "the retry to be scheduled" });
  queue.forget("k");
  assert.equal(queue.waiting, 0);
  await queue.idle();
});

test("stop() resolves every idle() waiter, also those waiting for work that will now never run", async () => {
  const hold = gate();
  const queue = new WorkQueue({ concurrency: 1, baseBackoffMs: 60_000, handler: () => hold.promise });
  queue.add("running");
  queue.add("queued");
  const waiters = [queue.idle(), queue.idle()];
  queue.stop();
  const outcome = await Promise.race([Promise.all(waiters).then(() => "resolved"), new Promise((resolve) => setTimeout(() => resolve("still waiting"), 2_000).unref())]);
  hold.open();
  assert.equal(outcome, "resolved");
  assert.equal(queue.depth, 0, "queued work is dropped");
  await queue.idle();
});

test("after stop(), add() does nothing and idle() resolves at once", async () => {
  let calls = 0;
  const queue = new WorkQueue({ concurrency: 1, handler: async () => void calls++ });
  queue.stop();
  queue.add("k");
  await queue.idle();
  assert.equal(calls, 0);
});

test("keys are taken in the order they were queued, also across the queue's compaction (10,000 keys)", async () => {
  const seen: string[] = [];
  const hold = gate();
  const queue = new WorkQueue({
    concurrency: 2,
    handler: async (key) => {
      seen.push(key);
      if (key === "blocker") await hold.promise;
    },
  });
  queue.add("blocker");
  const keys = Array.from({ length: 10_000 }, (_, i) => `k${i}`);
  for (const key of keys.slice(0, 6_000)) queue.add(key);
  await waitFor(() => seen.length > 5_000, { timeoutMs: 5_000, description: "more than half taken" });
  for (const key of keys.slice(6_000)) queue.add(key); // added after the queue was compacted
  hold.open();
  await queue.idle();
  assert.deepEqual(seen, ["blocker", ...keys]);
  assert.equal(queue.depth, 0);
});
