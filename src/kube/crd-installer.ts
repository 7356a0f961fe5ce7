// Installs CustomResourceDefinitions. Ferry's own are server-side applied (so upgrades update
// them); other projects' CRDs are created only when absent, and left alone when another
// controller already owns them.
import type { CustomResourceType } from "../dialects/dialect.js";
import { waitFor } from "../util/wait-for.js";
import { KubeClient, isApiError } from "./client.js";
import type { KubeObject } from "./informer.js";

export const INSTALLED_BY_LABEL = "ferry.dev/installed-by";
const CRD_PATH = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";

export type CrdOutcome = "applied" | "created" | "ours" | "foreign";

function isEstablished(object: KubeObject | undefined): boolean {
  const conditions = (object?.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? [];
  return conditions.some((c) => c.type === "Established" && c.status === "True");
}

async function waitEstablished(client: KubeClient, name: string): Promise<void> {
  await waitFor(async () => isEstablished(await client.getOptional<KubeObject>(`${CRD_PATH}/${name}`)), {
    timeoutMs: 60_000,
    description: `CRD ${name} to be established`,
  });
}

/** Server-side applies one of Ferry's own CRDs. */
export async function applyCrd(client: KubeClient, crd: Record<string, unknown>): Promise<CrdOutcome> {
  const metadata = crd.metadata as { name: string; labels?: Record<string, string> };
  const body = { ...crd, metadata: { ...metadata, labels: { ...metadata.labels, [INSTALLED_BY_LABEL]: "ferry" } } };
  await client.request("PATCH", `${CRD_PATH}/${metadata.name}`, {
    query: { fieldManager: "ferry", force: true },
    body,
    contentType: "application/apply-patch+yaml",
  });
  await waitEstablished(client, metadata.name);
  return "applied";
}

/** Creates another project's CRD when absent; reports whether Ferry or someone else owns it. */
export async function ensureForeignCrd(client: KubeClient, crd: Record<string, unknown>): Promise<CrdOutcome> {
  const metadata = crd.metadata as { name: string; labels?: Record<string, string> };
  const existing = await client.getOptional<KubeObject>(`${CRD_PATH}/${metadata.name}`);
  if (existing) return existing.metadata.labels?.[INSTALLED_BY_LABEL] === "ferry" ? "ours" : "foreign";
  try {
    await client.request("POST", CRD_PATH, { body: { ...crd, metadata: { ...metadata, labels: { ...metadata.labels, [INSTALLED_BY_LABEL]: "ferry" } } } });
  } catch (error) {
    if (!isApiError(error, 409)) throw error;
  }
  await waitEstablished(client, metadata.name);
  return "created";
}

/** The custom resource types the apiserver serves right now. */
export async function servedTypes(client: KubeClient, candidates: CustomResourceType[]): Promise<CustomResourceType[]> {
  const served: CustomResourceType[] = [];
  for (const type of candidates) {
    const list = await client.getOptional<{ resources: Array<{ name: string }> }>(`/apis/${type.group}/${type.version}`);
    if (list?.resources.some((resource) => resource.name === type.plural)) served.push(type);
  }
  return served;
}
