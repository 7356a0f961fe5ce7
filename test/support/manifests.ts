// Applying the seed documents' YAML to the real control plane, and the small API helpers the
// dialect end-to-end tests share: fixed-name namespaces, label-selected listings, Events,
// status conditions and (when installed) kubectl itself.
import { recordSecretValues } from "./ferry.js";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import type { TestContext } from "node:test";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";
import { SOURCE_NAME_LABEL, SOURCE_NAMESPACE_LABEL, RULE_LABEL, labelValue } from "../../src/core/marks.js";
import { isApiError, type KubeClient } from "../../src/kube/client.js";
import type { KubeObject } from "../../src/kube/informer.js";
import { waitFor } from "../../src/util/wait-for.js";
import { adminClient, deleteNamespace, sharedControlPlane } from "./cluster.js";
import { eventsFor } from "./ferry.js";

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** Every document of a YAML text, as `kubectl apply -f` reads a file (empty documents skipped). */
export function parseManifests(text: string): Manifest[] {
  const manifests: Manifest[] = [];
  for (const document of parseAllDocuments(text)) {
    if (document.errors.length > 0) throw new Error(`invalid YAML: ${document.errors.map((error) => error.message).join("; ")}`);
    const value = document.toJS() as unknown;
    if (value === null || value === undefined) continue;
    const manifest = value as Manifest;
    if (typeof manifest.apiVersion !== "string" || typeof manifest.kind !== "string" || typeof manifest.metadata?.name !== "string") {
      throw new Error("every document needs apiVersion, kind and metadata.name");
    }
    manifests.push(manifest);
  }
  return manifests;
}

interface ResourceInfo {
  plural: string;
  namespaced: boolean;
}

const discovered = new Map<string, Map<string, ResourceInfo>>();

/** The REST resource serving `kind` in `apiVersion`, from the API server's discovery document. */
async function resourceFor(client: KubeClient, apiVersion: string, kind: string): Promise<ResourceInfo> {
  let kinds = discovered.get(apiVersion);
  if (!kinds?.has(kind)) {
    const base = apiVersion === "v1" ? "/api/v1" : `/apis/${apiVersion}`;
    const list = await client.get<{ resources: Array<{ name: string; kind: string; namespaced: boolean }> }>(base);
    kinds = new Map(list.resources.filter((r) => !r.name.includes("/")).map((r) => [r.kind, { plural: r.name, namespaced: r.namespaced }]));
    discovered.set(apiVersion, kinds);
  }
  const info = kinds.get(kind);
  if (!info) throw new Error(`the API server does not serve kind ${kind} in ${apiVersion}`);
  return info;
}

/** The collection and object paths of a manifest; namespaced objects without a namespace go to `defaultNamespace`, as with kubectl. */
export async function manifestPaths(manifest: Manifest, defaultNamespace = "default"): Promise<{ collection: string; path: string; namespace?: string }> {
  const client = await adminClient();
  const info = await resourceFor(client, manifest.apiVersion, manifest.kind);
  const base = manifest.apiVersion === "v1" ? "/api/v1" : `/apis/${manifest.apiVersion}`;
  const namespace = info.namespaced ? (manifest.metadata.namespace ?? defaultNamespace) : undefined;
  const collection = namespace ? `${base}/namespaces/${namespace}/${info.plural}` : `${base}/${info.plural}`;
  return { collection, path: `${collection}/${manifest.metadata.name}`, namespace };
}

export interface AppliedObject {
  kind: string;
  namespace?: string;
  name: string;
  path: string;
  /** False when the object existed already (it was patched, as `kubectl apply` would, and is not deleted by cleanup). */
  created: boolean;
  object: KubeObject;
}

export interface AppliedManifest {
  objects: AppliedObject[];
  /** Deletes what this apply created, newest first (namespaces last, as they were first). */
  delete(): Promise<void>;
}

/**
 * Creates every object of a YAML text through the API, in order, like `kubectl apply -f`: an
 * object that exists already is merge-patched (a Namespace is left as it is). With `t`, what was
 * created is deleted when the test ends. API errors (e.g. 422 for an invalid annotation key) are thrown.
 */
export async function applyManifest(yamlText: string, options: { t?: TestContext; namespace?: string } = {}): Promise<AppliedManifest> {
  const client = await adminClient();
  const objects: AppliedObject[] = [];
  const applied: AppliedManifest = {
    objects,
    async delete() {
      for (const entry of [...objects].reverse()) {
        if (!entry.created) continue;
        if (entry.kind === "Namespace") await deleteNamespace(client, entry.name);
        else await client.request("DELETE", entry.path).catch((error: unknown) => (isApiError(error, 404) ? undefined : Promise.reject(error)));
      }
    },
  };
  options.t?.after(() => applied.delete());
  for (const manifest of parseManifests(yamlText)) {
    if (manifest.kind === "Secret") {
      const secret = manifest as { data?: Record<string, string>; stringData?: Record<string, string> };
      recordSecretValues([...Object.values(secret.stringData ?? {}), ...Object.values(secret.data ?? {}).map((v) => Buffer.from(v, "base64").toString())]);
    }
    const { collection, path, namespace } = await manifestPaths(manifest, options.namespace);
    const entry = { kind: manifest.kind, namespace, name: manifest.metadata.name, path };
    try {
      const object = await client.request<KubeObject>("POST", collection, { body: manifest });
      objects.push({ ...entry, created: true, object });
    } catch (error) {
      if (!isApiError(error, 409)) throw error;
      const object =
        manifest.kind === "Namespace"
          ? await client.get<KubeObject>(path)
          : await client.request<KubeObject>("PATCH", path, { body: manifest, contentType: "application/merge-patch+json" });
      objects.push({ ...entry, created: false, object });
    }
  }
  return applied;
}

/**
 * Makes sure namespaces with these fixed names exist (the seeds hard-code some); the ones this
 * call created are deleted when the test ends, the others are left alone.
 */
export async function ensureNamespaces(t: TestContext, names: readonly string[], labels: Record<string, string> = {}): Promise<string[]> {
  const client = await adminClient();
  const created: string[] = [];
  for (const name of names) {
    try {
      await client.request("POST", "/api/v1/namespaces", { body: { metadata: { name, labels } } });
      created.push(name);
    } catch (error) {
      if (!isApiError(error, 409)) throw error;
      // Left over from an earlier test and still terminating: wait for it, then create it.
      const existing = await client.get<KubeObject>(`/api/v1/namespaces/${name}`);
      if (existing.metadata.deletionTimestamp) {
        await waitFor(async () => (await client.getOptional(`/api/v1/namespaces/${name}`)) === undefined, { timeoutMs: 60_000, description: `namespace ${name} to finish terminating` });
        await client.request("POST", "/api/v1/namespaces", { body: { metadata: { name, labels } } });
        created.push(name);
      }
    }
  }
  t.after(async () => {
    for (const name of created) await deleteNamespace(client, name);
  });
  return created;
}

/** Merge-patches a namespace's labels (null removes a label). */
export async function labelNamespace(name: string, labels: Record<string, string | null>): Promise<void> {
  await (await adminClient()).request("PATCH", `/api/v1/namespaces/${name}`, { body: { metadata: { labels } }, contentType: "application/merge-patch+json" });
}

/** Active (not terminating) namespaces. */
export async function activeNamespaces(): Promise<string[]> {
  const list = await (await adminClient()).get<{ items: KubeObject[] }>("/api/v1/namespaces");
  return list.items
    .filter((ns) => !ns.metadata.deletionTimestamp && (ns.status as { phase?: string } | undefined)?.phase !== "Terminating")
    .map((ns) => ns.metadata.name)
    .sort();
}

/** Secrets or ConfigMaps in every namespace matching a label selector. */
export async function listObjects(kind: "Secret" | "ConfigMap", labelSelector: string): Promise<KubeObject[]> {
  const resource = kind === "Secret" ? "secrets" : "configmaps";
  const list = await (await adminClient()).get<{ items: KubeObject[] }>(`/api/v1/${resource}`, { query: { labelSelector } });
  return list.items;
}

/** Selector of the copies Ferry made of one source (by the source labels every copy carries). */
export function copiesOfSource(namespace: string, name: string): string {
  return `${SOURCE_NAMESPACE_LABEL}=${labelValue(namespace)},${SOURCE_NAME_LABEL}=${labelValue(name)}`;
}

/** Selector of the copies Ferry made for one rule id (e.g. an inline ResourceDistribution). */
export function copiesOfRule(ruleId: string): string {
  return `${RULE_LABEL}=${labelValue(ruleId)}`;
}

/** The namespaces holding objects that match the selector, sorted. */
export async function namespacesWith(kind: "Secret" | "ConfigMap", labelSelector: string): Promise<string[]> {
  return (await listObjects(kind, labelSelector)).map((object) => object.metadata.namespace ?? "").sort();
}

/** Waits until no object matches the selector anywhere. */
export function waitForNoCopies(kind: "Secret" | "ConfigMap", labelSelector: string, timeoutMs = 30_000): Promise<true> {
  return waitFor(async () => (await listObjects(kind, labelSelector)).length === 0 || undefined, { timeoutMs, description: `no ${kind} matching ${labelSelector}` });
}

/** Waits for an Event with this reason (and, optionally, a message matching `message`) on the named object. */
export function waitForEvent(namespace: string, name: string, reason: string, message?: RegExp, timeoutMs = 30_000): Promise<{ reason: string; message: string; type: string }> {
  return waitFor(
    async () => (await eventsFor(namespace, name)).find((event) => event.reason === reason && (!message || message.test(event.message))),
    { timeoutMs, description: `Event ${reason}${message ? ` ${String(message)}` : ""} on ${namespace}/${name}` },
  );
}

export interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  failedNamespace?: string[];
}

export function conditionOf(object: KubeObject | undefined, type: string): Condition | undefined {
  return ((object?.status as { conditions?: Condition[] } | undefined)?.conditions ?? []).find((condition) => condition.type === type);
}

/** The kubectl binary on PATH, if any (the seeds show kubectl commands; kubectl is optional here). */
export function kubectlPath(): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const candidate = join(dir, "kubectl");
    if (dir !== "" && existsSync(candidate)) return candidate;
  }
  return undefined;
}

const run = promisify(execFile);

/** Runs kubectl against the test cluster and returns its stdout. */
export async function kubectl(args: readonly string[]): Promise<string> {
  const binary = kubectlPath();
  if (!binary) throw new Error("kubectl is not installed");
  const { stdout } = await run(binary, ["--kubeconfig", sharedControlPlane().kubeconfigPath, ...args], { timeout: 30_000 });
  return stdout;
}

/**
 * Makes sure fixed-name namespaces (a seed document's) do not exist: deletes any that do, whoever
 * left them, and waits until they are gone. A test that needs a namespace to be missing calls
 * this itself instead of relying on an earlier test's cleanup.
 */
export async function ensureNamespacesAbsent(names: readonly string[], timeoutMs = 60_000): Promise<void> {
  const client = await adminClient();
  for (const name of names) await deleteNamespace(client, name);
  for (const name of names) await waitForNamespaceGone(name, timeoutMs);
}

/** Waits until a namespace no longer exists. */
export function waitForNamespaceGone(name: string, timeoutMs = 60_000): Promise<true> {
  return waitFor(async () => (await (await adminClient()).getOptional(`/api/v1/namespaces/${name}`)) === undefined || undefined, {
    timeoutMs,
    description: `namespace ${name} to be gone`,
  });
}
