// Starting Ferry in-process against the run's shared control plane, and waiting on its effects.
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { pino } from "pino";
import { installCrds, startFerry, type FerryOptions, type RunningFerry } from "../../src/cli/run.js";
import { knownDialects } from "../../src/cli/dialects.js";
import { chartClient } from "./chart-identity.js";
import type { KubeClient } from "../../src/kube/client.js";
import { objectPath } from "../../src/kube/copy-writer.js";
import type { KubeObject } from "../../src/kube/informer.js";
import { waitFor } from "../../src/util/wait-for.js";
import { adminClient, sharedControlPlane, uniqueName } from "./cluster.js";

/** Every Ferry log line of the run goes to one file, which the secret-leak scan reads. */
export function testLogPath(): string {
  return join(sharedControlPlane().dir, "ferry-test.log");
}

const logger = () => pino({ level: "debug", base: { test: process.pid } }, pino.destination({ dest: testLogPath(), append: true, sync: true }));

/** Installs the CRDs as admin, the way the Helm chart does before Ferry starts. */
async function installCrdsAsAdmin(): Promise<void> {
  await installCrds(await adminClient(), logger(), knownDialects.flatMap((d) => d.customResourceTypes ?? []), true);
}
let crdsInstalled: Promise<void> | undefined;

/** Ferry's CRDs, installed as admin once per run, as the Helm chart installs them before Ferry starts. */
export function installTestCrds(): Promise<void> {
  crdsInstalled ??= installCrdsAsAdmin();
  return crdsInstalled;
}

/**
 * Starts Ferry in-process. Unless a test brings its own client, Ferry runs as the Helm chart's
 * ServiceAccount with exactly the chart's RBAC (test/support/chart-identity.ts), after the CRDs
 * were installed as admin: every e2e test is also a test of the chart's permissions.
 */
export async function startTestFerry(t: TestContext, overrides: Partial<FerryOptions> = {}): Promise<RunningFerry> {
  let identity: Partial<FerryOptions> = {};
  if (!overrides.client) {
    await installTestCrds();
    identity = { client: await chartClient(overrides.namespace ?? "ferry-system"), installCrds: false };
  }
  const ferry = await startFerry({
    logger: logger(),
    namespace: "ferry-system",
    policy: "guarded",
    clusterName: "local",
    installCrds: true,
    concurrency: 16,
    ...identity,
    ...overrides,
  } as FerryOptions);
  let stopped = false;
  const stop = ferry.stop.bind(ferry);
  ferry.stop = async () => {
    if (stopped) return;
    stopped = true;
    await stop();
  };
  t.after(() => ferry.stop());
  await waitFor(() => ferry.engine.isReady(), { timeoutMs: 60_000, description: "Ferry to become ready" });
  return ferry;
}

export interface ObjectSpec {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  type?: string;
  immutable?: boolean;
}

export const b64 = (text: string) => Buffer.from(text).toString("base64");
export const unb64 = (text: string | undefined) => (text === undefined ? undefined : Buffer.from(text, "base64").toString());

/** Where the run records every Secret value its tests used, for the leak scan at the end (test/final). */
export function secretValuesPath(): string {
  return join(sharedControlPlane().dir, "secret-values.txt");
}

/** Records Secret values (6 characters or more: shorter ones are too common to scan for). */
export function recordSecretValues(values: Iterable<string>): void {
  const worth = [...values].filter((value) => value.length >= 6);
  if (worth.length > 0) appendFileSync(secretValuesPath(), worth.map((value) => `${JSON.stringify(value)}\n`).join(""));
}

export async function createSecret(namespace: string, name: string, data: Record<string, string>, spec: ObjectSpec = {}, client?: KubeClient): Promise<KubeObject> {
  const kube = client ?? (await adminClient());
  recordSecretValues(Object.values(data));
  return kube.request<KubeObject>("POST", `/api/v1/namespaces/${namespace}/secrets`, {
    body: {
      metadata: { name, labels: spec.labels, annotations: spec.annotations },
      type: spec.type ?? "Opaque",
      data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
      immutable: spec.immutable,
    },
  });
}

export async function createConfigMap(namespace: string, name: string, data: Record<string, string>, spec: ObjectSpec = {}, client?: KubeClient): Promise<KubeObject> {
  const kube = client ?? (await adminClient());
  return kube.request<KubeObject>("POST", `/api/v1/namespaces/${namespace}/configmaps`, {
    body: { metadata: { name, labels: spec.labels, annotations: spec.annotations }, data, immutable: spec.immutable },
  });
}

/** Merge-patches an object (metadata or data). */
export async function patchObject(kind: "Secret" | "ConfigMap", namespace: string, name: string, patch: unknown): Promise<KubeObject> {
  const kube = await adminClient();
  return kube.request<KubeObject>("PATCH", objectPath(kind, namespace, name), { body: patch, contentType: "application/merge-patch+json" });
}

export async function getObject(kind: "Secret" | "ConfigMap", namespace: string, name: string): Promise<KubeObject | undefined> {
  return (await adminClient()).getOptional<KubeObject>(objectPath(kind, namespace, name));
}

export async function deleteObject(kind: "Secret" | "ConfigMap", namespace: string, name: string): Promise<void> {
  await (await adminClient()).request("DELETE", objectPath(kind, namespace, name)).catch(() => undefined);
}

/** Waits until the object exists and satisfies the predicate; returns it. */
export function waitForObject(
  kind: "Secret" | "ConfigMap",
  namespace: string,
  name: string,
  predicate: (object: KubeObject) => boolean = () => true,
  timeoutMs = 30_000,
): Promise<KubeObject> {
  return waitFor(
    async () => {
      const object = await getObject(kind, namespace, name);
      return object && predicate(object) ? object : undefined;
    },
    { timeoutMs, description: `${kind} ${namespace}/${name}` },
  );
}

export function waitForGone(kind: "Secret" | "ConfigMap", namespace: string, name: string, timeoutMs = 30_000): Promise<true> {
  return waitFor(async () => (await getObject(kind, namespace, name)) === undefined || undefined, {
    timeoutMs,
    description: `${kind} ${namespace}/${name} to be deleted`,
  });
}

export const secretValue = (object: KubeObject, key: string) => unb64((object.data as Record<string, string> | undefined)?.[key]);

/** Custom resources by path. */
export async function createResource(path: string, body: unknown): Promise<KubeObject> {
  return (await adminClient()).request<KubeObject>("POST", path, { body });
}

export async function getResource(path: string): Promise<KubeObject | undefined> {
  return (await adminClient()).getOptional<KubeObject>(path);
}

export async function deleteResource(path: string): Promise<void> {
  await (await adminClient()).request("DELETE", path).catch(() => undefined);
}

export interface RecordedEvent {
  metadata: { name: string };
  reason: string;
  message: string;
  type: string;
  count?: number;
  involvedObject: { name: string };
}

/** Events recorded for an object (by name). */
export async function eventsFor(namespace: string, name: string): Promise<RecordedEvent[]> {
  const list = await (await adminClient()).get<{ items: RecordedEvent[] }>(`/api/v1/namespaces/${namespace}/events`);
  return list.items.filter((event) => event.involvedObject.name === name);
}

/**
 * Waits until the Events that a running Ferry recorded in its plan passes so far have reached
 * the apiserver: makes a new rule whose only target is taken by an unmanaged object, and waits
 * for its UnmanagedObjectExists Event. The marker rule is the newest, so its Event is recorded
 * in a later pass and after every older rule's Events of that pass; the recorder sends in the
 * order it records.
 */
export async function eventsSettled(t: TestContext): Promise<void> {
  const kube = await adminClient();
  const name = uniqueName("marker");
  for (const namespace of [`${name}-src`, `${name}-taken`]) {
    await kube.request("POST", "/api/v1/namespaces", { body: { metadata: { name: namespace } } });
    t.after(() => kube.request("DELETE", `/api/v1/namespaces/${namespace}`).catch(() => undefined));
  }
  await createSecret(`${name}-taken`, "marker", { v: "theirs" });
  await createSecret(`${name}-src`, "marker", { v: "ours" }, { annotations: { "ferry.dev/sync-to": `${name}-taken` } });
  await waitFor(async () => (await eventsFor(`${name}-src`, "marker")).some((event) => event.reason === "UnmanagedObjectExists"), {
    timeoutMs: 30_000,
    description: "the marker rule's UnmanagedObjectExists Event",
  });
}

/** An object's Events as name and count, sorted: equal lists mean no Event was written in between. */
export async function eventWrites(namespace: string, name: string, reason: string): Promise<string[]> {
  return (await eventsFor(namespace, name))
    .filter((event) => event.reason === reason)
    .map((event) => `${event.metadata.name} x${event.count ?? 1}`)
    .sort();
}
