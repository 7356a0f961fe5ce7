// Target namespaces held in Terminating (by a finalizer on an object inside, the way another
// controller's finalizer holds one): Ferry writes nothing there, reports NamespaceTerminating,
// adds no finalizer anywhere, and a create that races the deletion is neither retried hot nor
// reported as a failure. The namespace controller of the local control plane does the deleting.
import assert from "node:assert/strict";
import { test, type TestContext } from "node:test";
import { pino } from "pino";
import { desiredCopy } from "../../src/core/desired-copy.js";
import { objectKey } from "../../src/core/plan.js";
import type { Rule } from "../../src/core/types.js";
import { KubeClient } from "../../src/kube/client.js";
import type { KubeObject } from "../../src/kube/informer.js";
import { Executor } from "../../src/pipeline/executor.js";
import { waitFor } from "../../src/util/wait-for.js";
import { chartKubeconfigFile } from "../support/chart-identity.js";
import { adminClient, createNamespace, uniqueName } from "../support/cluster.js";
import { b64, createResource, createSecret, deleteResource, getObject, getResource, patchObject, secretValue, startTestFerry, testLogPath, waitForGone, waitForObject } from "../support/ferry.js";

const finalizer = "ferry.test/hold";

/** A namespace held in Terminating: deleted while a ConfigMap inside carries a finalizer; released when the test ends. */
async function terminatingNamespace(t: TestContext, prefix: string): Promise<string> {
  const kube = await adminClient();
  const name = await createNamespace(t, prefix);
  await kube.request("POST", `/api/v1/namespaces/${name}/configmaps`, { body: { metadata: { name: "holder", finalizers: [finalizer] }, data: { why: "holds the namespace" } } });
  t.after(() => kube.request("PATCH", `/api/v1/namespaces/${name}/configmaps/holder`, { body: { metadata: { finalizers: null } }, contentType: "application/merge-patch+json" }).catch(() => undefined));
  return name;
}

async function startDeleting(name: string): Promise<void> {
  const kube = await adminClient();
  await kube.request("DELETE", `/api/v1/namespaces/${name}`);
  await waitFor(async () => (await kube.get<KubeObject>(`/api/v1/namespaces/${name}`)).metadata.deletionTimestamp !== undefined, { timeoutMs: 30_000, description: `namespace ${name} terminating` });
}

const finalizersOf = (object: KubeObject | undefined) => (object?.metadata as { finalizers?: string[] } | undefined)?.finalizers ?? [];

type Status = { failed: number; failingTargets?: Array<{ namespace: string; state: string; reason: string }>; conditions: Array<{ type: string; reason: string }> };

test("a namespace held in Terminating: Ferry writes nothing there, reports NamespaceTerminating, adds no finalizer, and records no failure", async (t) => {
  const ferry = await startTestFerry(t);
  const kube = await adminClient();
  const src = await createNamespace(t, "src");
  const other = await createNamespace(t, "other");
  const doomed = await terminatingNamespace(t, "doomed");
  await createSecret(src, "db", { v: "1" });
  const name = uniqueName("to-doomed");
  const path = `/apis/ferry.dev/v1alpha1/clusterdistributions/${name}`;
  await createResource("/apis/ferry.dev/v1alpha1/clusterdistributions", {
    apiVersion: "ferry.dev/v1alpha1",
    kind: "ClusterDistribution",
    metadata: { name },
    spec: { source: { kind: "Secret", name: "db", namespace: src }, targets: { namespaces: [other, doomed] } },
  });
  t.after(() => deleteResource(path));
  for (const ns of [other, doomed]) await waitForObject("Secret", ns, "db");

  // The namespace is deleted; the namespace controller removes our copy, the finalizer keeps the namespace.
  await startDeleting(doomed);
  await waitForGone("Secret", doomed, "db");
  // A source change plans every target again: the copy in `other` follows, `doomed` gets nothing.
  await patchObject("Secret", src, "db", { data: { v: b64("2") } });
  await waitForObject("Secret", other, "db", (o) => secretValue(o, "v") === "2");
  const status = await waitFor(
    async () => {
      const current = (await getResource(path))?.status as Status | undefined;
      return current?.failingTargets?.some((target) => target.namespace === doomed && target.state === "NamespaceTerminating") ? current : undefined;
    },
    { timeoutMs: 30_000, description: "NamespaceTerminating in the status" },
  );
  await ferry.engine.idle();
  assert.equal(status.failed, 0);
  assert.equal(await getObject("Secret", doomed, "db"), undefined, "nothing written into the terminating namespace");
  assert.deepEqual(await ferry.metrics.writeErrors.get().then((metric) => metric.values.filter((value) => value.value > 0)), [], "no write failed");
  const outcome = ferry.engine.reports().reports.find((report) => report.rule.id === `native/ClusterDistribution/${name}`)!.outcomes;
  assert.deepEqual(outcome.map((o) => `${o.namespace} ${o.state} ${o.reason}`), [`${doomed} NamespaceTerminating NamespaceTerminating`]);

  // No finalizer anywhere Ferry writes: its copies, the namespaces, the rule.
  const namespace = await kube.get<KubeObject & { spec?: { finalizers?: string[] } }>(`/api/v1/namespaces/${doomed}`);
  assert.deepEqual(finalizersOf(namespace), []);
  assert.deepEqual(namespace.spec?.finalizers ?? [], ["kubernetes"], "only the namespace controller's own");
  assert.deepEqual(finalizersOf(await getObject("Secret", other, "db")), []);
  assert.deepEqual(finalizersOf(await getResource(path)), []);

  // The holder lets go: the namespace goes; the rule, which names it, now reports it missing.
  await kube.request("PATCH", `/api/v1/namespaces/${doomed}/configmaps/holder`, { body: { metadata: { finalizers: null } }, contentType: "application/merge-patch+json" });
  await waitFor(async () => (await kube.getOptional(`/api/v1/namespaces/${doomed}`)) === undefined, { timeoutMs: 60_000, description: `namespace ${doomed} gone` });
  const gone = await waitFor(
    async () => {
      const current = (await getResource(path))?.status as Status | undefined;
      return current?.failingTargets?.some((target) => target.namespace === doomed && target.state === "NamespaceNotFound") ? current : undefined;
    },
    { timeoutMs: 30_000, description: "the deleted namespace reported as NamespaceNotFound" },
  );
  assert.equal(gone.failed, 0);
});

test("a create that races the namespace's deletion (403: being terminated) is not a failure and is not retried", async (t) => {
  // Deterministic: the namespace is already terminating, while the executor (as a stale watch
  // would have it) still plans a create there. It writes as the chart's ServiceAccount.
  const doomed = await terminatingNamespace(t, "race");
  await startDeleting(doomed);
  const statuses: number[] = [];
  const client = await KubeClient.fromFile(await chartKubeconfigFile(), { onRequest: (method, path, status) => { if (method === "POST" && path.includes(`/namespaces/${doomed}/`)) statuses.push(status); } });
  t.after(() => client.close());
  let failures = 0;
  let retries = 0;
  const executor = new Executor({
    name: "race",
    logger: pino({ level: "debug" }, pino.destination({ dest: testLogPath(), append: true, sync: true })),
    observed: () => undefined,
    record: { written: () => undefined, deleted: () => undefined },
    concurrency: 1,
    baseBackoffMs: 20,
    metrics: { failed: () => failures++, retried: () => retries++ },
  });
  executor.connect(client);
  t.after(() => executor.stop());
  const rule: Rule = {
    id: "native/ClusterDistribution/race",
    origin: { dialect: "native", apiVersion: "ferry.dev/v1alpha1", kind: "ClusterDistribution", name: "race" },
    scope: "administrator",
    source: { kind: "Secret", namespace: "src", name: "db" },
    targets: { namespaces: [doomed], allNamespaces: false, exclude: [] },
    copy: { labels: {}, annotations: {} },
    prune: true,
    conflict: "skip",
  };
  const desired = desiredCopy(rule, { labels: {}, annotations: {}, data: { v: b64("1") } }, doomed, "local", []);
  executor.run([{ type: "create", key: objectKey("Secret", doomed, "db"), ruleId: rule.id, desired }]);
  await waitFor(() => statuses.length > 0 && !executor.busy, { timeoutMs: 30_000, description: "the create to be answered" });
  assert.deepEqual(statuses, [403], "the apiserver refused the create: the namespace is being terminated");
  assert.equal(executor.failures.size, 0, "not reported as a failure");
  assert.equal(failures, 0);
  assert.equal(retries, 0, "not retried");
  assert.equal(executor.latest(objectKey("Secret", doomed, "db")), undefined, "nothing left to do there");
  assert.equal(await getObject("Secret", doomed, "db"), undefined);
});
