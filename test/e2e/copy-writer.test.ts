// The copy writer and the executor on the real control plane: every verb with its
// preconditions, the replace a Secret's type change needs, the executor's re-check before
// writing and its failure accounting.
import assert from "node:assert/strict";
import { test } from "node:test";
import { pino } from "pino";
import type { Action, DesiredCopy, ObservedObject } from "../../src/core/types.js";
import { isApiError } from "../../src/kube/client.js";
import { CopyWriter, objectPath } from "../../src/kube/copy-writer.js";
import type { KubeObject } from "../../src/kube/informer.js";
import { Executor } from "../../src/pipeline/executor.js";
import { waitFor } from "../../src/util/wait-for.js";
import { adminClient, createNamespace } from "../support/cluster.js";
import { b64 } from "../support/ferry.js";

function desired(namespace: string, name: string, value: string, extra: Partial<DesiredCopy> = {}): DesiredCopy {
  return { kind: "Secret", namespace, name, labels: { app: "writer-test" }, annotations: {}, type: "Opaque", data: { v: b64(value) }, contentHash: `h-${value}`, ...extra };
}

function recorder() {
  const log: string[] = [];
  return {
    log,
    observe: {
      written: (kind: string, object: KubeObject, basedOn: string | undefined) => log.push(`written ${kind} ${object.metadata.name} based on ${basedOn ?? "nothing"}`),
      deleted: (kind: string, namespace: string, name: string) => log.push(`deleted ${kind} ${namespace}/${name}`),
      counted: (verb: string) => log.push(`counted ${verb}`),
    },
  };
}

test("create, update with the observed version, replace on a type change, delete with preconditions", async (t) => {
  const kube = await adminClient();
  const ns = await createNamespace(t, "writer");
  const { log, observe } = recorder();
  const writer = new CopyWriter(kube, observe);
  const get = () => kube.getOptional<KubeObject>(objectPath("Secret", ns, "copy"));

  await writer.execute({ type: "create", key: `Secret/${ns}/copy`, ruleId: "r", desired: desired(ns, "copy", "1") });
  const created = (await get())!;
  assert.deepEqual(created.metadata.labels, { app: "writer-test" });
  assert.deepEqual(log.splice(0), ["counted create", "written Secret copy based on nothing"]);

  // A stale version is refused by the apiserver: nothing is overwritten blindly.
  await assert.rejects(writer.execute({ type: "update", key: `Secret/${ns}/copy`, ruleId: "r", desired: desired(ns, "copy", "2"), resourceVersion: "1" }), (error) => isApiError(error, 409));
  await writer.execute({ type: "update", key: `Secret/${ns}/copy`, ruleId: "r", desired: desired(ns, "copy", "2"), resourceVersion: created.metadata.resourceVersion });
  const updated = (await get())!;
  assert.equal((updated.data as Record<string, string>).v, b64("2"));
  assert.equal(updated.metadata.uid, created.metadata.uid);
  assert.deepEqual(log.splice(0), ["counted update", `written Secret copy based on ${created.metadata.resourceVersion}`]);

  // A Secret's type is immutable: the update becomes a replace (a new object).
  await writer.execute({ type: "update", key: `Secret/${ns}/copy`, ruleId: "r", desired: desired(ns, "copy", "3", { type: "example.com/other" }), resourceVersion: updated.metadata.resourceVersion });
  const replaced = (await get())!;
  assert.equal(replaced.type, "example.com/other");
  assert.notEqual(replaced.metadata.uid, created.metadata.uid);
  assert.deepEqual(log.splice(0), ["counted delete", `deleted Secret ${ns}/copy`, "counted create", "written Secret copy based on nothing"]);

  // Delete only the object Ferry saw: another uid is refused; an absent object is no error.
  await assert.rejects(writer.execute({ type: "delete", key: `Secret/${ns}/copy`, kind: "Secret", namespace: ns, name: "copy", uid: created.metadata.uid, reason: "test" }), (error) => isApiError(error, 409));
  await writer.execute({ type: "delete", key: `Secret/${ns}/copy`, kind: "Secret", namespace: ns, name: "copy", uid: replaced.metadata.uid, reason: "test" });
  assert.equal(await get(), undefined);
  await writer.execute({ type: "delete", key: `Secret/${ns}/copy`, kind: "Secret", namespace: ns, name: "copy", reason: "test" });
  assert.deepEqual(log.splice(0), ["counted delete", `deleted Secret ${ns}/copy`, `deleted Secret ${ns}/copy`]);
});

test("the executor writes what the latest plan wants, skips what the watches show done, and accounts failures", async (t) => {
  const kube = await adminClient();
  const ns = await createNamespace(t, "executor");
  const observed = new Map<string, ObservedObject>();
  const writes: string[] = [];
  let failuresChanged = 0;
  const executor = new Executor({
    name: "test",
    logger: pino({ level: "silent" }),
    observed: (key) => observed.get(key),
    record: { written: (_kind, object) => writes.push(object.metadata.name), deleted: () => undefined },
    concurrency: 4,
    baseBackoffMs: 50,
    maxBackoffMs: 100,
    onFailuresChanged: () => failuresChanged++,
  });
  executor.connect(kube);
  t.after(() => executor.stop());
  const create = (name: string): Action => ({ type: "create", key: `Secret/${ns}/${name}`, ruleId: "r", desired: desired(ns, name, "1") });

  // "done" is already what the watches show: no write for it.
  observed.set(`Secret/${ns}/done`, { kind: "Secret", namespace: ns, name: "done", labels: {}, annotations: {} });
  executor.run([create("one"), create("done")]);
  await executor.idle();
  assert.deepEqual(writes, ["one"]);
  assert.equal(executor.latest(`Secret/${ns}/one`), undefined, "done actions are forgotten");

  // A name someone else holds (not seen yet): AlreadyExists, recorded for the next plan to report.
  await kube.request("POST", `/api/v1/namespaces/${ns}/secrets`, { body: { metadata: { name: "taken" }, data: {} } });
  executor.run([create("taken")]);
  await waitFor(() => executor.failures.get(`Secret/${ns}/taken`), { timeoutMs: 10_000, description: "the failure" });
  assert.equal(executor.failures.get(`Secret/${ns}/taken`)!.reason, "AlreadyExists");
  assert.ok(failuresChanged >= 1);
  // A plan that no longer wants it forgets the failure and its retries.
  executor.run([]);
  assert.equal(executor.failures.size, 0);
  await executor.idle();
});
