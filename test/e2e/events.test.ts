// Kubernetes Events on the real control plane: once per change (a full pass that changes nothing
// posts nothing, however many targets a rule has in conflict), and none lost when many are
// recorded at once; Events of one reason about different things (takeovers) do not replace each other.
import assert from "node:assert/strict";
import { test } from "node:test";
import { pino } from "pino";
import { EventRecorder } from "../../src/kube/event-recorder.js";
import { waitFor } from "../../src/util/wait-for.js";
import { chartClient } from "../support/chart-identity.js";
import { adminClient, createNamespace } from "../support/cluster.js";
import { createSecret, eventsFor, eventsSettled, eventWrites, startTestFerry, waitForObject } from "../support/ferry.js";

test("a rule with several targets in conflict posts its Events once: later full passes (relist, an unrelated rule) post none", async (t) => {
  const ferry = await startTestFerry(t);
  const src = await createNamespace(t, "ev-src");
  const taken = [await createNamespace(t, "ev-a"), await createNamespace(t, "ev-b"), await createNamespace(t, "ev-c")];
  const free = await createNamespace(t, "ev-free");
  for (const ns of taken) await createSecret(ns, "shared", { v: "their-own-value" });
  await createSecret(src, "shared", { v: "ours" }, { annotations: { "ferry.dev/sync-to": [...taken, free].join(",") } });
  await waitForObject("Secret", free, "shared");
  // The first report: every target in conflict is named by an Event.
  await waitFor(
    async () => {
      const events = (await eventsFor(src, "shared")).filter((event) => event.reason === "UnmanagedObjectExists");
      return taken.every((ns) => events.some((event) => event.message.includes(`${ns}/shared`)));
    },
    { timeoutMs: 30_000, description: "UnmanagedObjectExists Events naming every taken target" },
  );
  await ferry.engine.idle();
  await eventsSettled(t);
  const before = await eventWrites(src, "shared", "UnmanagedObjectExists");

  // Full passes that change nothing: a relist of every namespace, then an unrelated rule.
  let passes = 0;
  ferry.engine.onPlanned = () => passes++;
  ferry.engine.namespaces.requestRelist();
  await waitFor(() => passes >= 1, { timeoutMs: 30_000, description: "a full pass after the relist" });
  const unrelated = await createNamespace(t, "ev-unrelated");
  const unrelatedTarget = await createNamespace(t, "ev-unrelated-target");
  await createSecret(unrelated, "other", { v: "1" }, { annotations: { "ferry.dev/sync-to": unrelatedTarget } });
  await waitForObject("Secret", unrelatedTarget, "other");
  await waitFor(() => passes >= 2, { timeoutMs: 30_000, description: "a full pass for the unrelated rule" });
  await ferry.engine.idle();
  await eventsSettled(t);

  const after = await eventWrites(src, "shared", "UnmanagedObjectExists");
  assert.deepEqual(after, before, `Event writes after the first report: ${after.length - before.length} new Events`);
  assert.ok(passes >= 3, "the marker rule's pass ran too");
});

test("Events recorded faster than they can be sent all reach the apiserver, each once", async (t) => {
  const recorder = new EventRecorder(await chartClient(), pino({ level: "silent" }), "default");
  t.after(() => recorder.stop());
  const ns = await createNamespace(t, "ev-load");
  const count = 300;
  const record = (i: number) => recorder.record({ apiVersion: "v1", kind: "ConfigMap", namespace: ns, name: `object-${i}` }, "Warning", "LoadTest", `problem number ${i}`);
  for (let i = 0; i < count; i++) record(i);
  const events = async () => (await (await adminClient()).get<{ items: Array<{ involvedObject: { name: string } }> }>(`/api/v1/namespaces/${ns}/events`)).items;
  await waitFor(async () => (await events()).length >= count, { timeoutMs: 60_000, description: `${count} Events` });

  // The same Events again, then one more: only the new one is written.
  for (let i = 0; i < count; i++) record(i);
  record(count);
  await waitFor(async () => (await events()).some((event) => event.involvedObject.name === `object-${count}`), { timeoutMs: 30_000, description: "the last Event" });
  const names = (await events()).map((event) => event.involvedObject.name);
  assert.equal(names.length, count + 1, "each Event written once");
  assert.equal(new Set(names).size, count + 1);
});

test("Events of one object and reason about different things are each written, not replaced by the last", async (t) => {
  const recorder = new EventRecorder(await chartClient(), pino({ level: "silent" }), "default");
  t.after(() => recorder.stop());
  const ns = await createNamespace(t, "ev-about");
  const target = { apiVersion: "v1", kind: "Secret", namespace: ns, name: "source" };
  const copies = ["team-a/db", "team-b/db", "team-c/db"];
  // Recorded at once, before any is sent: without `about` only the last would be written.
  for (const copy of copies) recorder.record(target, "Normal", "TookOver", `${copy}: took over`, `Secret/${copy}`);
  for (const copy of copies) recorder.record(target, "Normal", "TookOver", `${copy}: took over`, `Secret/${copy}`);
  const messages = async () => (await (await adminClient()).get<{ items: Array<{ message: string }> }>(`/api/v1/namespaces/${ns}/events`)).items.map((event) => event.message);
  await waitFor(async () => (await messages()).length >= copies.length, { timeoutMs: 30_000, description: "one Event per copy" });
  // Recorded again once written: nothing new (the last one, recorded after, marks the end).
  for (const copy of copies) recorder.record(target, "Normal", "TookOver", `${copy}: took over`, `Secret/${copy}`);
  recorder.record(target, "Normal", "TookOver", "team-d/db: took over", "Secret/team-d/db");
  await waitFor(async () => (await messages()).includes("team-d/db: took over"), { timeoutMs: 30_000, description: "the last Event" });
  assert.deepEqual((await messages()).sort(), [...copies, "team-d/db"].map((copy) => `${copy}: took over`), "each written once");
});
