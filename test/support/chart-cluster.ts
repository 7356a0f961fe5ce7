// Putting rendered chart manifests onto the run's real control plane: kubectl server-side apply
// (dry-run first), SubjectAccessReviews, established CRDs, and prometheus-operator's CRDs
// (test/fixtures/prometheus-operator) for the ServiceMonitor and PrometheusRule templates.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { isApiError, type KubeClient } from "../../src/kube/client.js";
import { waitFor } from "../../src/util/wait-for.js";
import { parseManifests, repositoryRoot, toManifestText, type Manifest } from "../../tools/helm/chart.js";
import { adminClient, sharedControlPlane } from "./cluster.js";

/** kubectl against the shared control plane, with optional standard input. */
export function kubectl(args: string[], input?: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("kubectl", ["--kubeconfig", sharedControlPlane().kubeconfigPath, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`kubectl ${args.join(" ")} exited ${code}: ${stderr.trim() || stdout.trim()}`));
    });
    child.stdin.end(input ?? "");
  });
}

export async function deleteIfPresent(kube: KubeClient, path: string): Promise<void> {
  try {
    await kube.request("DELETE", path);
  } catch (error) {
    if (!isApiError(error, 404)) throw error;
  }
}

export interface ResourceAttributes {
  verb: string;
  group?: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

/** Whether the apiserver's RBAC lets this ServiceAccount do this (a SubjectAccessReview, as the admin). */
export async function allowed(kube: KubeClient, account: { namespace: string; name: string }, attributes: ResourceAttributes): Promise<boolean> {
  const review = await kube.request<{ status: { allowed: boolean } }>("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", {
    body: {
      apiVersion: "authorization.k8s.io/v1",
      kind: "SubjectAccessReview",
      spec: {
        user: `system:serviceaccount:${account.namespace}:${account.name}`,
        groups: ["system:serviceaccounts", `system:serviceaccounts:${account.namespace}`, "system:authenticated"],
        resourceAttributes: { group: "", ...attributes },
      },
    },
  });
  return review.status.allowed;
}

const clusterScopedKinds = new Set(["ClusterRole", "ClusterRoleBinding"]);

/**
 * Applies the objects to the real control plane: a server-side dry-run first, then for real.
 * Cluster-scoped RBAC objects are deleted when the test ends (the namespace goes with
 * createNamespace's cleanup; CRDs stay: they are the same ones every release and Ferry install).
 * Returns kubectl's warnings (PodSecurity and deprecation warnings come on stderr).
 */
export async function applyToCluster(t: TestContext, release: string, objects: Manifest[]): Promise<string> {
  const kube = await adminClient();
  const clusterScoped = objects.filter((object) => clusterScopedKinds.has(object.kind));
  t.after(async () => {
    for (const object of clusterScoped) {
      await deleteIfPresent(kube, `/apis/rbac.authorization.k8s.io/v1/${object.kind === "ClusterRole" ? "clusterroles" : "clusterrolebindings"}/${object.metadata.name}`);
    }
  });
  // CRDs are cluster-wide and shared by every release (and by Ferry's runtime installer in other
  // tests): one field manager for them, so a second release's labels replace the first's instead
  // of conflicting; the release's own objects get a manager of their own.
  const crds = objects.filter((object) => object.kind === "CustomResourceDefinition");
  const rest = objects.filter((object) => object.kind !== "CustomResourceDefinition");
  let warnings = "";
  for (const [batch, fieldManager] of [
    [crds, "ferry-chart-test"],
    [rest, `ferry-chart-test-${release}`],
  ] as const) {
    if (batch.length === 0) continue;
    const manifest = toManifestText(batch);
    const dryRun = await kubectl(["apply", "--server-side", "--dry-run=server", `--field-manager=${fieldManager}`, "-f", "-"], manifest);
    for (const object of batch) assert.match(dryRun.stdout, new RegExp(`${object.metadata.name}.*serverside-applied \\(server dry run\\)`), `${object.kind} ${object.metadata.name} in the dry run`);
    const real = await kubectl(["apply", "--server-side", `--field-manager=${fieldManager}`, "-f", "-"], manifest);
    for (const object of batch) assert.match(real.stdout, new RegExp(`${object.metadata.name} serverside-applied\n`), `${object.kind} ${object.metadata.name} applied`);
    warnings += `${dryRun.stderr}\n${real.stderr}\n`;
  }
  return warnings;
}

export async function assertCrdsEstablished(kube: KubeClient, crds: string[]): Promise<void> {
  for (const name of crds) {
    await waitFor(
      async () => {
        const crd = await kube.getOptional<{ status?: { conditions?: Array<{ type: string; status: string }> } }>(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
        return crd?.status?.conditions?.some((c) => c.type === "Established" && c.status === "True");
      },
      { timeoutMs: 30_000, description: `CRD ${name} established` },
    );
  }
}

const monitoringFixtures = join(repositoryRoot, "test", "fixtures", "prometheus-operator");
let monitoringCrds: Promise<void> | undefined;

/**
 * prometheus-operator's own ServiceMonitor and PrometheusRule CRDs (with their full schemas), so
 * the apiserver validates the chart's objects as a cluster running prometheus-operator would.
 */
export function installMonitoringCrds(): Promise<void> {
  monitoringCrds ??= (async () => {
    const crds = readdirSync(monitoringFixtures)
      .filter((file) => file.endsWith(".yaml"))
      .sort()
      .flatMap((file) => parseManifests(readFileSync(join(monitoringFixtures, file), "utf8")));
    await kubectl(["apply", "--server-side", "--field-manager=ferry-chart-test", "-f", "-"], toManifestText(crds));
    await assertCrdsEstablished(await adminClient(), crds.map((crd) => crd.metadata.name));
  })();
  return monitoringCrds;
}
