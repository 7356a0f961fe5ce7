// Shared set-up for the multi-cluster end-to-end tests: the run's shared control plane is the
// hub; member clusters are two more real control planes started by each test file. Helpers to
// register members, start a hub, read and wait on member objects and hub status.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { pino } from "pino";
import { LocalControlPlane, type UpOptions } from "../../../src/controlplane/local-control-plane.js";
import { SOURCE_CLUSTER_LABEL, SOURCE_NAME_LABEL, labelValue } from "../../../src/core/marks.js";
import { nativeCrds } from "../../../src/crds/native-crds.js";
import { KubeClient, isApiError } from "../../../src/kube/client.js";
import { objectPath } from "../../../src/kube/copy-writer.js";
import { applyCrd } from "../../../src/kube/crd-installer.js";
import type { KubeObject } from "../../../src/kube/informer.js";
import { startHub, type Hub, type HubOptions } from "../../../src/multicluster/index.js";
import type { MemberStatus } from "../../../src/multicluster/status.js";
import { waitFor } from "../../../src/util/wait-for.js";
import { adminClient, uniqueName } from "../../support/cluster.js";
import { b64, testLogPath } from "../../support/ferry.js";

export const FERRY_NS = "ferry-system";
export const PROTECTED = ["kube-system", "kube-public", "kube-node-lease", FERRY_NS];
type Kind = "Secret" | "ConfigMap";

export interface MemberCluster {
  name: string;
  plane: LocalControlPlane;
  client: KubeClient;
  /** The admin kubeconfig (client certificate) as text. */
  kubeconfig: string;
}

export const testLogger = (part: string) =>
  pino({ level: "debug", base: { test: process.pid, part } }, pino.destination({ dest: testLogPath(), append: true, sync: true }));

async function ensureNamespace(client: KubeClient, name: string): Promise<void> {
  try {
    await client.request("POST", "/api/v1/namespaces", { body: { metadata: { name } } });
  } catch (error) {
    if (!isApiError(error, 409)) throw error;
  }
}

/**
 * Starts member control planes in parallel, each with Ferry's namespace; the hub gets Ferry's
 * namespace and CRDs. `upOptions` adds options per member (e.g. a cloud's token webhook).
 */
export async function startMemberClusters(names: string[], upOptions: (name: string) => Omit<UpOptions, "dir"> = () => ({})): Promise<MemberCluster[]> {
  const hub = await adminClient();
  const started: LocalControlPlane[] = [];
  const [members] = await Promise.all([
    Promise.allSettled(
      names.map(async (name) => {
        const plane = await LocalControlPlane.up({ ...upOptions(name), dir: mkdtempSync(join(tmpdir(), `ferry-${name}-`)) });
        started.push(plane);
        const client = await KubeClient.fromFile(plane.kubeconfigPath);
        await ensureNamespace(client, FERRY_NS);
        return { name, plane, client, kubeconfig: readFileSync(plane.kubeconfigPath, "utf8") };
      }),
    ).then(async (results) => {
      const failed = results.find((result) => result.status === "rejected");
      if (!failed) return results.map((result) => (result as PromiseFulfilledResult<MemberCluster>).value);
      // One member failed to start: stop the others, so no control plane outlives the run.
      await Promise.all(started.map((plane) => plane.down()));
      throw (failed as PromiseRejectedResult).reason;
    }),
    (async () => {
      await ensureNamespace(hub, FERRY_NS);
      for (const crd of nativeCrds) await applyCrd(hub, crd);
    })(),
  ]);
  return members;
}

export async function stopMemberClusters(members: MemberCluster[] | undefined): Promise<void> {
  // The hubs' status ConfigMap on the shared control plane goes with the members it describes.
  await (await adminClient()).request("DELETE", objectPath("ConfigMap", FERRY_NS, "ferry-members")).catch(() => undefined);
  await Promise.all(
    (members ?? []).map(async (member) => {
      member.client.close();
      await member.plane.down();
    }),
  );
}

/** A Secret on the hub labelled ferry.dev/cluster: "true" (a member registration); deleted when the test ends. */
export async function register(
  t: TestContext,
  name: string,
  data: Record<string, string>,
  options: { labels?: Record<string, string>; annotations?: Record<string, string>; namespace?: string } = {},
): Promise<KubeObject> {
  const hub = await adminClient();
  const namespace = options.namespace ?? FERRY_NS;
  const created = await hub.request<KubeObject>("POST", `/api/v1/namespaces/${namespace}/secrets`, {
    body: {
      metadata: { name, labels: { "ferry.dev/cluster": "true", ...options.labels }, annotations: options.annotations },
      data: Object.fromEntries(Object.entries(data).map(([key, value]) => [key, b64(value)])),
    },
  });
  t.after(() => hub.request("DELETE", objectPath("Secret", namespace, name)).catch(() => undefined));
  return created;
}

/** Merge-patches a registration's labels (null removes one). */
export async function labelRegistration(name: string, labels: Record<string, string | null>, namespace = FERRY_NS): Promise<void> {
  await (await adminClient()).request("PATCH", objectPath("Secret", namespace, name), { body: { metadata: { labels } }, contentType: "application/merge-patch+json" });
}

/** Starts a hub on the shared control plane; stopped when the test ends. */
export async function startTestHub(t: TestContext, options: Partial<HubOptions> & { hubName: string }): Promise<Hub> {
  const hub = await startHub({ client: await adminClient(), logger: testLogger("hub"), ferryNamespace: FERRY_NS, ...options });
  t.after(() => hub.stop());
  await waitFor(() => hub.isReady(), { timeoutMs: 30_000, description: "the hub's watches to list" });
  return hub;
}

export async function memberGet(member: MemberCluster, kind: Kind, namespace: string, name: string): Promise<KubeObject | undefined> {
  return member.client.getOptional<KubeObject>(objectPath(kind, namespace, name));
}

export function waitForMemberObject(
  member: MemberCluster,
  kind: Kind,
  namespace: string,
  name: string,
  predicate: (object: KubeObject) => boolean = () => true,
  timeoutMs = 30_000,
): Promise<KubeObject> {
  return waitFor(
    async () => {
      const object = await memberGet(member, kind, namespace, name);
      return object && predicate(object) ? object : undefined;
    },
    { timeoutMs, description: `${kind} ${namespace}/${name} on ${member.name}` },
  );
}

export function waitForMemberGone(member: MemberCluster, kind: Kind, namespace: string, name: string, timeoutMs = 30_000): Promise<true> {
  return waitFor(async () => (await memberGet(member, kind, namespace, name)) === undefined || undefined, {
    timeoutMs,
    description: `${kind} ${namespace}/${name} to be gone from ${member.name}`,
  });
}

/** A uniquely named namespace on a member (the member plane is torn down with the file). */
export async function createMemberNamespace(member: MemberCluster, prefix: string, labels: Record<string, string> = {}): Promise<string> {
  const name = uniqueName(prefix);
  await member.client.request("POST", "/api/v1/namespaces", { body: { metadata: { name, labels } } });
  return name;
}

export async function listMember(member: MemberCluster, kind: Kind, labelSelector: string, namespace?: string): Promise<KubeObject[]> {
  const resource = kind === "Secret" ? "secrets" : "configmaps";
  const path = namespace ? `/api/v1/namespaces/${namespace}/${resource}` : `/api/v1/${resource}`;
  return (await member.client.get<{ items: KubeObject[] }>(path, { query: { labelSelector } })).items;
}

/** Selector of the copies a cluster (hub or member Ferry) made of a source name. */
export const copiesBy = (cluster: string, sourceName?: string) =>
  `${SOURCE_CLUSTER_LABEL}=${labelValue(cluster)}${sourceName ? `,${SOURCE_NAME_LABEL}=${labelValue(sourceName)}` : ""}`;

/** Active namespaces of a member that a fan-out reaches (protected ones excluded). */
export async function fanOutNamespaces(member: MemberCluster): Promise<string[]> {
  const list = await member.client.get<{ items: KubeObject[] }>("/api/v1/namespaces");
  return list.items
    .filter((ns) => !ns.metadata.deletionTimestamp && !PROTECTED.includes(ns.metadata.name))
    .map((ns) => ns.metadata.name)
    .sort();
}

export function memberStatus(hub: Hub, name: string): MemberStatus | undefined {
  return hub.status().find((status) => status.name === name);
}

export function waitForStatus(hub: Hub, name: string, predicate: (status: MemberStatus) => boolean, description: string, timeoutMs = 30_000): Promise<MemberStatus> {
  return waitFor(
    () => {
      const status = memberStatus(hub, name);
      return status && predicate(status) ? status : undefined;
    },
    { timeoutMs, description: `${name}: ${description} (status now: ${JSON.stringify(memberStatus(hub, name))})` },
  );
}

/** The ferry-members ConfigMap's entry for a member. */
export async function publishedStatus(name: string): Promise<MemberStatus | undefined> {
  const object = await (await adminClient()).getOptional<KubeObject>(objectPath("ConfigMap", FERRY_NS, "ferry-members"));
  const text = (object?.data as Record<string, string> | undefined)?.[name];
  return text ? (JSON.parse(text) as MemberStatus) : undefined;
}

/** A kubeconfig for a member that authenticates with a bearer token. */
export function tokenKubeconfig(member: MemberCluster, token: string): string {
  const ca = readFileSync(join(member.plane.dir, "pki", "ca.crt")).toString("base64");
  return `apiVersion: v1
kind: Config
clusters:
- name: member
  cluster:
    server: ${member.plane.server}
    certificate-authority-data: ${ca}
users:
- name: hub
  user:
    token: ${token}
contexts:
- name: member
  context: { cluster: member, user: hub }
current-context: member
`;
}

/** The member's PEM files, base64 (what Argo CD's tlsClientConfig holds). */
export function memberPki(member: MemberCluster): { caData: string; certData: string; keyData: string } {
  const read = (file: string) => readFileSync(join(member.plane.dir, "pki", file)).toString("base64");
  return { caData: read("ca.crt"), certData: read("admin.crt"), keyData: read("admin.key") };
}

/** Sum of a counter's samples in a registry's text exposition, for samples whose labels match. */
export async function counterSum(registry: { metrics(): Promise<string> }, name: string, labelMatch: RegExp = /.*/): Promise<number> {
  let sum = 0;
  for (const line of (await registry.metrics()).split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!labelMatch.test(line)) continue;
    sum += Number(line.split(" ").pop());
  }
  return sum;
}
