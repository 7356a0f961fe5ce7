// When planners plan (pipeline/pass-scheduler.ts): bursts make one pass, namespaces are planned
// on their own at once and reported later (by a refresh where the planner keeps its reports by
// namespace, else by a full pass), landings of our own writes only refresh reports, and a failing
// pass never stops the next. Timers only, waits with deadlines.
import assert from "node:assert/strict";
import { test } from "node:test";
import { pino } from "pino";
import { PassScheduler } from "../../../src/pipeline/pass-scheduler.js";
import { waitFor } from "../../../src/util/wait-for.js";

function scheduler(overrides: { full?: () => boolean; busy?: () => boolean; focused?: boolean; refresh?: () => boolean } = {}) {
  const seen = { full: 0, focused: [] as string[][], refreshes: 0 };
  const refresh = overrides.refresh;
  const passes = new PassScheduler({
    full: () => {
      seen.full++;
      return overrides.full ? overrides.full() : true;
    },
    focused: overrides.focused === false ? undefined : (namespaces) => void seen.focused.push([...namespaces].sort()),
    refresh: refresh
      ? () => {
          seen.refreshes++;
          return refresh();
        }
      : undefined,
    busy: overrides.busy ?? (() => false),
    logger: pino({ level: "silent" }),
  });
  return { passes, seen };
}

test("a burst of requests makes one full pass", async (t) => {
  const { passes, seen } = scheduler();
  t.after(() => passes.stop());
  for (let i = 0; i < 50; i++) passes.requestFull();
  await waitFor(() => passes.passes === 1, { timeoutMs: 2_000, description: "one pass" });
  assert.equal(seen.full, 1);
});

test("namespaces are planned on their own at once, together; the reports follow in a full pass", async (t) => {
  const { passes, seen } = scheduler();
  t.after(() => passes.stop());
  passes.requestNamespace("b");
  passes.requestNamespace("a");
  passes.requestNamespace("b");
  await waitFor(() => seen.focused.length === 1, { timeoutMs: 2_000, description: "a focused pass" });
  assert.deepEqual(seen.focused[0], ["a", "b"]);
  assert.equal(seen.full, 0, "the full pass for the reports comes later");
  await waitFor(() => seen.full === 1, { timeoutMs: 5_000, description: "the report refresh" });
});

test("a planner without focused passes plans namespaces in full", async (t) => {
  const { passes, seen } = scheduler({ focused: false });
  t.after(() => passes.stop());
  passes.requestNamespace("a");
  await waitFor(() => seen.full === 1, { timeoutMs: 2_000, description: "a full pass" });
  assert.deepEqual(seen.focused, []);
});

test("a pass that could not plan yet does not count; the next request plans", async (t) => {
  let ready = false;
  const { passes, seen } = scheduler({ full: () => ready });
  t.after(() => passes.stop());
  passes.requestFull();
  await waitFor(() => seen.full === 1, { timeoutMs: 2_000, description: "the attempt" });
  assert.equal(passes.passes, 0);
  ready = true;
  passes.requestFull();
  await waitFor(() => passes.passes === 1, { timeoutMs: 2_000, description: "the pass" });
});

test("a landing while writes run waits for them to drain; drained() refreshes the reports", async (t) => {
  let busy = true;
  const { passes, seen } = scheduler({ busy: () => busy });
  t.after(() => passes.stop());
  passes.confirm();
  assert.equal(seen.full, 0, "not while writes run");
  busy = false;
  passes.drained();
  await waitFor(() => seen.full === 1, { timeoutMs: 2_000, description: "the refresh after the drain" });
});

test("a pass that throws is logged; the next one runs", async (t) => {
  let calls = 0;
  const { passes } = scheduler({
    full: () => {
      calls++;
      if (calls === 1) throw new Error("bug");
      return true;
    },
  });
  t.after(() => passes.stop());
  passes.requestFull();
  await waitFor(() => calls === 1, { timeoutMs: 2_000, description: "the failing pass" });
  passes.requestFull();
  await waitFor(() => passes.passes === 1, { timeoutMs: 2_000, description: "the next pass" });
});

test("a planner that refreshes its reports: a namespace event is planned on its own and reported without a full pass", async (t) => {
  const { passes, seen } = scheduler({ refresh: () => true });
  t.after(() => passes.stop());
  passes.requestNamespace("a");
  await waitFor(() => seen.refreshes === 1, { timeoutMs: 5_000, description: "the report refresh" });
  assert.deepEqual(seen.focused, [["a"]]);
  passes.confirm();
  await waitFor(() => seen.refreshes === 2, { timeoutMs: 5_000, description: "the refresh after a landing" });
  assert.equal(seen.full, 0, "no full pass for a namespace event or a landing");
});

test("a refresh that cannot report falls back to a full pass", async (t) => {
  const { passes, seen } = scheduler({ refresh: () => false });
  t.after(() => passes.stop());
  passes.confirm();
  await waitFor(() => seen.full === 1, { timeoutMs: 5_000, description: "the full pass" });
  assert.equal(seen.refreshes, 1);
  assert.equal(passes.passes, 1);
});

test("with refreshes, a landing while writes run waits for the drain", async (t) => {
  let busy = true;
  const { passes, seen } = scheduler({ refresh: () => true, busy: () => busy });
  t.after(() => passes.stop());
  passes.confirm();
  busy = false;
  passes.drained();
  await waitFor(() => seen.refreshes === 1, { timeoutMs: 2_000, description: "the refresh after the drain" });
  assert.equal(seen.full, 0);
});

test("a planner that plans copies by name: a source's change is planned on its own, together, without a full pass", async (t) => {
  const copies: string[][] = [];
  let refreshes = 0;
  const passes = new PassScheduler({
    full: () => true,
    focused: () => undefined,
    copies: (names) => void copies.push([...names].sort()),
    refresh: () => ++refreshes > 0,
    busy: () => false,
    logger: pino({ level: "silent" }),
  });
  t.after(() => passes.stop());
  passes.requestCopies(["Secret/b"]);
  passes.requestCopies(["Secret/a", "Secret/b"]);
  await waitFor(() => copies.length === 1, { timeoutMs: 2_000, description: "a pass over the copies" });
  assert.deepEqual(copies[0], ["Secret/a", "Secret/b"]);
  // The reports follow (at least 100 ms later); a full pass would have come first, 5 ms after the request.
  await waitFor(() => refreshes === 1, { timeoutMs: 5_000, description: "the report refresh" });
  assert.equal(passes.passes, 0, "no full pass for a source's change");
});
