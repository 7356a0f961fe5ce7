// Test access to the run's shared control plane (started by test/run.ts).
import { KubeConfig } from "@kubernetes/client-node";
import { randomBytes } from "node:crypto";
import type { TestContext } from "node:test";
import { LocalControlPlane } from "../../src/controlplane/local-control-plane.js";
import { KubeClient, isApiError } from "../../src/kube/client.js";

export function sharedControlPlane(): LocalControlPlane {
  const dir = process.env.FERRY_TEST_CLUSTER_DIR;
  if (!dir) throw new Error("FERRY_TEST_CLUSTER_DIR is not set: run tests with `npm test` (test/run.ts)");
  return LocalControlPlane.attach(dir);
}

let admin: Promise<KubeClient> | undefined;

/** A client authenticated as the cluster admin (client certificate in system:masters). */
export function adminClient(): Promise<KubeClient> {
  admin ??= KubeClient.fromFile(sharedControlPlane().kubeconfigPath);
  return admin;
}

/** A client for the same cluster that authenticates with a bearer token only. */
export async function tokenClient(base: KubeClient, token: string): Promise<KubeClient> {
  const cluster = base.config.getCurrentCluster()!;
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: "c", server: cluster.server, caData: cluster.caData, skipTLSVerify: false }],
    users: [{ name: "u", token }],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
  return KubeClient.create(kubeConfig);
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString("hex")}`;
}

/** Creates a namespace with a unique name; deleted when the test ends. */
export async function createNamespace(
  t: TestContext | undefined,
  prefix: string,
  labels: Record<string, string> = {},
  client?: KubeClient,
): Promise<string> {
  const kube = client ?? (await adminClient());
  const name = uniqueName(prefix);
  await kube.request("POST", "/api/v1/namespaces", { body: { metadata: { name, labels } } });
  t?.after(async () => {
    await deleteNamespace(kube, name);
  });
  return name;
}

export async function deleteNamespace(kube: KubeClient, name: string): Promise<void> {
  try {
    await kube.request("DELETE", `/api/v1/namespaces/${name}`);
  } catch (error) {
    if (!isApiError(error, 404)) throw error;
  }
}
