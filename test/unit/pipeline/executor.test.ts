// The executor's bookkeeping (pipeline/executor.ts), without a cluster: which action each key
// wants, what a focused plan replaces, when a write counts as done or landed. Writing itself is
// tested on the real control plane (test/e2e/copy-writer.test.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { pino } from "pino";
import type { Action, DesiredCopy, ObservedObject } from "../../../src/core/types.js";
import { Executor, isDone, isLanding } from "../../../src/pipeline/executor.js";

const desired = (namespace: string, name: string, hash: string): DesiredCopy => ({ kind: "Secret", namespace, name, labels: {}, annotations: {}, data: {}, contentHash: hash });
const create = (namespace: string, name: string, hash = "h1"): Action => ({ type: "create", key: `Secret/${namespace}/${name}`, ruleId: "r", desired: desired(namespace, name, hash) });
const update = (namespace: string, name: string, hash: string): Action => ({ type: "update", key: `Secret/${namespace}/${name}`, ruleId: "r", desired: desired(namespace, name, hash) });
const remove = (namespace: string, name: string): Action => ({ type: "delete", key: `Secret/${namespace}/${name}`, kind: "Secret", namespace, name, reason: "RuleOrSourceGone" });
const seen = (namespace: string, name: string, hash?: string): ObservedObject => ({ kind: "Secret", namespace, name, labels: {}, annotations: {}, contentHash: hash });

function executor(): Executor {
  // No client: nothing is written, which is what this test wants (bookkeeping only).
  return new Executor({ name: "test", logger: pino({ level: "silent" }), observed: () => undefined, record: { written: () => undefined, deleted: () => undefined }, concurrency: 1 });
}

test("a full plan replaces every action; a focused plan only those in its namespaces", async (t) => {
  const run = executor();
  t.after(() => run.stop());
  run.run([create("a", "x"), create("b", "y")]);
  assert.equal(run.latest("Secret/a/x")?.type, "create");
  run.runIn(new Set(["a"]), [remove("a", "z")]);
  assert.equal(run.latest("Secret/a/x"), undefined, "the focused plan no longer wants it");
  assert.equal(run.latest("Secret/a/z")?.type, "delete");
  assert.equal(run.latest("Secret/b/y")?.type, "create", "other namespaces keep theirs");
  run.run([update("b", "y", "h2")]);
  assert.equal(run.latest("Secret/a/z"), undefined);
  assert.equal(run.latest("Secret/b/y")?.type, "update");
  await run.idle();
  assert.equal(run.failures.size, 0);
});

test("done: a delete when nothing is there, a create when something is, an update when the hashes match", () => {
  assert.equal(isDone(remove("a", "x"), undefined), true);
  assert.equal(isDone(remove("a", "x"), seen("a", "x")), false);
  assert.equal(isDone(create("a", "x"), seen("a", "x")), true, "something is there: the next plan decides");
  assert.equal(isDone(create("a", "x"), undefined), false);
  assert.equal(isDone(update("a", "x", "h2"), seen("a", "x", "h2")), true);
  assert.equal(isDone(update("a", "x", "h2"), seen("a", "x", "h1")), false);
});

test("landing: the change seen is exactly what the plan wanted (then nothing is left to decide)", () => {
  assert.equal(isLanding(undefined, seen("a", "x", "h1")), false);
  assert.equal(isLanding(create("a", "x", "h1"), seen("a", "x", "h1")), true);
  assert.equal(isLanding(create("a", "x", "h1"), seen("a", "x", "h0")), false, "someone else's object");
  assert.equal(isLanding(remove("a", "x"), undefined), true);
  assert.equal(isLanding(remove("a", "x"), seen("a", "x")), false);
});
