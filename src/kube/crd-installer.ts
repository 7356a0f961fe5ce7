// Installs CustomResourceDefinitions. Ferry's own are server-side applied (so upgrades update
// them) when what is installed is not what this version would apply (a hash of it, kept on the
// CRD, says so: a restart costs one read per CRD and no write); other projects' CRDs are created
// only when absent, and left alone when another controller already owns them.
import { canonicalJson, contentHash } from "../core/hash.js";
import type { CustomResourceType } from "../dialects/dialect.js";
import { waitFor } from "../util/wait-for.js";
import { KubeClient, isApiError } from "./client.js";
import type { KubeObject } from "./informer.js";

export const INSTALLED_BY_LABEL = "ferry.dev/installed-by";
/** On Ferry's own CRDs: the hash of what Ferry last applied. */
export const APPLIED_HASH_ANNOTATION = "ferry.dev/applied-hash";
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

/** Server-side applies one of Ferry's own CRDs, unless exactly this version of it is installed and established. */
export async function applyCrd(client: KubeClient, crd: Record<string, unknown>): Promise<CrdOutcome> {
  const metadata = crd.metadata as { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  const hash = contentHash({ data: { crd: canonicalJson(crd) } });
  const existing = await client.getOptional<KubeObject>(`${CRD_PATH}/${metadata.name}`);
  if (existing?.metadata.annotations?.[APPLIED_HASH_ANNOTATION] === hash && isEstablished(existing)) return "ours";
  const body = { ...crd, metadata: { ...metadata, labels: { ...metadata.labels, [INSTALLED_BY_LABEL]: "ferry" }, annotations: { ...metadata.annotations, [APPLIED_HASH_ANNOTATION]: hash } } };
  await client.request("PATCH", `${CRD_PATH}/${metadata.name}`, {
    query: { fieldManager: "ferry", force: true },
    body,
    contentType: "application/apply-patch+yaml",
  });
  await waitEstablished(client, metadata.name);
  return "applied";
}

/**
 * Creates another project's CRD `name` when absent (`manifest` is read only then); reports
 * whether Ferry or someone else owns it.
 */
export async function ensureForeignCrd(client: KubeClient, name: string, manifest: () => Promise<Record<string, unknown>>): Promise<CrdOutcome> {
  const existing = await client.getOptional<KubeObject>(`${CRD_PATH}/${name}`);
  if (existing) return existing.metadata.labels?.[INSTALLED_BY_LABEL] === "ferry" ? "ours" : "foreign";
  const crd = await manifest();
  const metadata = crd.metadata as { name: string; labels?: Record<string, string> };
  try {
    await client.request("POST", CRD_PATH, { body: { ...crd, metadata: { ...metadata, labels: { ...metadata.labels, [INSTALLED_BY_LABEL]: "ferry" } } } });
  } catch (error) {
    if (!isApiError(error, 409)) throw error;
  }
  await waitEstablished(client, metadata.name);
  return "created";
}

/** The custom resource types the apiserver serves right now (one discovery read per group version, all at once). */
export async function servedTypes(client: KubeClient, candidates: CustomResourceType[]): Promise<CustomResourceType[]> {
  const groupVersions = [...new Set(candidates.map((type) => `${type.group}/${type.version}`))];
  const resources = new Map(
    await Promise.all(
      groupVersions.map(async (gv) => [gv, (await client.getOptional<{ resources: Array<{ name: string }> }>(`/apis/${gv}`))?.resources ?? []] as const),
    ),
  );
  return candidates.filter((type) => resources.get(`${type.group}/${type.version}`)!.some((resource) => resource.name === type.plural));
}
