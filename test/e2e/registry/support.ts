// Shared set-up for the registry end-to-end tests: a Ferry (engine) and the registry controller
// on a Ferry namespace of their own, and a cleanup that leaves the cluster as it found it (the
// generated Secrets go, the engine prunes every copy, the patcher removes its imagePullSecrets
// entries) before either is stopped.
import type { TestContext } from "node:test";
import { pino } from "pino";
import { nativeCrds } from "../../../src/crds/native-crds.js";
import { KubeClient } from "../../../src/kube/client.js";
import { applyCrd } from "../../../src/kube/crd-installer.js";
import type { KubeObject } from "../../../src/kube/informer.js";
import { FerryMetrics } from "../../../src/ops/metrics.js";
import { GENERATED_LABEL } from "../../../src/registry/controller.js";
import { registryCredentialCrd } from "../../../src/registry/crd.js";
import { startRegistry, type RunningRegistry, type StartRegistryOptions } from "../../../src/registry/index.js";
import { REGISTRY_COPY_LABEL } from "../../../src/registry/registry-dialect.js";
import { OWNED_PULL_SECRETS_ANNOTATION } from "../../../src/registry/service-account-patcher.js";
import type { RunningFerry } from "../../../src/cli/run.js";
import { waitFor } from "../../../src/util/wait-for.js";
import { adminClient, deleteNamespace, uniqueName } from "../../support/cluster.js";
import { chartClient } from "../../support/chart-identity.js";
import { startTestFerry, testLogPath, unb64 } from "../../support/ferry.js";
import { SOURCE_NAMESPACE_LABEL } from "../../../src/core/marks.js";

// Nothing in these tests may reach a cloud metadata service (the AWS SDK's default chain and
// google-auth-library look for one when nothing else is configured).
process.env.AWS_EC2_METADATA_DISABLED = "true";
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
process.env.METADATA_SERVER_DETECTION = "none";
process.env.GCE_METADATA_HOST = "127.0.0.1:9";
process.env.AWS_SHARED_CREDENTIALS_FILE = "/nonexistent/ferry-test/credentials";
process.env.AWS_CONFIG_FILE = "/nonexistent/ferry-test/config";

export const fastTuning = { retryBaseMs: 200, retryMaxMs: 2_000, minRefreshMs: 500 };

export interface RegistryFixture {
  ferryNamespace: string;
  ferry: RunningFerry;
  registry: RunningRegistry;
  metrics: FerryMetrics;
  admin: KubeClient;
}

const logger = () => pino({ level: "debug", base: { test: process.pid, part: "registry" } }, pino.destination({ dest: testLogPath(), append: true, sync: true }));

export async function installRegistryCrds(): Promise<void> {
  const admin = await adminClient();
  for (const crd of [...nativeCrds, registryCredentialCrd]) await applyCrd(admin, crd);
}

/**
 * Starts the engine (with the registry-creds dialect) and the registry controller on a Ferry
 * namespace (unique unless given). `client` runs both as someone else than the admin.
 */
export async function startRegistryFixture(
  t: TestContext,
  options: { ferryNamespace?: string; env?: Record<string, string | undefined>; client?: KubeClient; dialects?: string[]; registry?: Partial<StartRegistryOptions> } = {},
): Promise<RegistryFixture> {
  const admin = await adminClient();
  const ferryNamespace = options.ferryNamespace ?? uniqueName("ferry");
  await installRegistryCrds();
  const started: { registry?: RunningRegistry } = {};
  // Registered first, so it runs before startTestFerry's own stop (after hooks run in order).
  t.after(async () => {
    await started.registry?.controller.stop();
    await cleanupRegistry(ferryNamespace);
    await started.registry?.stop();
  });
  if (!options.ferryNamespace) {
    await admin.request("POST", "/api/v1/namespaces", { body: { metadata: { name: ferryNamespace } } });
  }
  // The fixture runs its own registry controller (with fast refresh tuning), so Ferry's is off.
  const ferry = await startTestFerry(t, { namespace: ferryNamespace, registry: false, ...(options.client ? { client: options.client, installCrds: false } : {}), ...(options.dialects ? { dialects: options.dialects } : {}) });
  t.after(() => deleteNamespace(admin, ferryNamespace));
  const metrics = new FerryMetrics({ defaultMetrics: false });
  // Like the engine, the registry controller runs as the chart's ServiceAccount (exactly the chart's RBAC).
  const registry = await startRegistry({
    // Watches through the engine's shared informers, as in `ferry run` (Ferry's namespace is watched once).
    informers: ferry.informers,
    client: options.client ?? (await chartClient(ferryNamespace)),
    logger: logger(),
    metrics,
    ferryNamespace,
    env: options.env ?? {},
    tuning: fastTuning,
    ...options.registry,
  });
  started.registry = registry;
  await waitFor(() => registry.isReady(), { timeoutMs: 30_000, description: "the registry controller to be ready" });
  return { ferryNamespace, ferry, registry, metrics, admin };
}

/** Deletes the generated Secrets of a Ferry namespace and waits until their copies and ServiceAccount entries are gone. */
export async function cleanupRegistry(ferryNamespace: string): Promise<void> {
  const admin = await adminClient();
  const generated = await admin.get<{ items: KubeObject[] }>(`/api/v1/namespaces/${ferryNamespace}/secrets`, { query: { labelSelector: `${GENERATED_LABEL}=true` } }).catch(() => ({ items: [] }));
  for (const secret of generated.items) await admin.request("DELETE", `/api/v1/namespaces/${ferryNamespace}/secrets/${secret.metadata.name}`).catch(() => undefined);
  await waitFor(
    async () => {
      const copies = await admin.get<{ items: KubeObject[] }>("/api/v1/secrets", { query: { labelSelector: `${REGISTRY_COPY_LABEL}=true,${SOURCE_NAMESPACE_LABEL}=${ferryNamespace}` } });
      return copies.items.filter((copy) => !copy.metadata.deletionTimestamp).length === 0;
    },
    { timeoutMs: 30_000, description: `copies of ${ferryNamespace}'s registry credentials to be pruned` },
  );
  await waitFor(
    async () => {
      const accounts = await admin.get<{ items: KubeObject[] }>("/api/v1/serviceaccounts");
      return accounts.items.every((account) => !account.metadata.annotations?.[OWNED_PULL_SECRETS_ANNOTATION]);
    },
    { timeoutMs: 30_000, description: "Ferry's imagePullSecrets entries to be removed" },
  );
}

export interface Login {
  username: string;
  password: string;
}

/** The logins (by registry) in a dockerconfigjson Secret. */
export function logins(secret: KubeObject | undefined): Record<string, Login> {
  const text = unb64((secret?.data as Record<string, string> | undefined)?.[".dockerconfigjson"]);
  if (!text) return {};
  const auths = (JSON.parse(text) as { auths: Record<string, { username: string; password: string; auth: string }> }).auths;
  const out: Record<string, Login> = {};
  for (const [registry, entry] of Object.entries(auths)) {
    if (Buffer.from(entry.auth, "base64").toString() !== `${entry.username}:${entry.password}`) throw new Error(`auth of ${registry} does not match username:password`);
    out[registry] = { username: entry.username, password: entry.password };
  }
  return out;
}

export async function serviceAccount(namespace: string, name = "default"): Promise<KubeObject | undefined> {
  return (await adminClient()).getOptional<KubeObject>(`/api/v1/namespaces/${namespace}/serviceaccounts/${name}`);
}

export function pullSecretNames(account: KubeObject | undefined): string[] {
  return ((account?.imagePullSecrets as Array<{ name: string }> | undefined) ?? []).map((entry) => entry.name);
}

/** Waits for a ServiceAccount whose imagePullSecrets satisfy the predicate. */
export function waitForPullSecrets(namespace: string, predicate: (names: string[]) => boolean, name = "default", timeoutMs = 30_000): Promise<string[]> {
  return waitFor(
    async () => {
      const names = pullSecretNames(await serviceAccount(namespace, name));
      return predicate(names) ? names : undefined;
    },
    { timeoutMs, description: `ServiceAccount ${namespace}/${name} imagePullSecrets` },
  );
}

export function sameMembers(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().every((item, index) => item === [...b].sort()[index]);
}
