// The content hash that decides whether a copy is current: same hash, no write.
import { createHash } from "node:crypto";
import { CONTENT_HASH_ANNOTATION } from "./marks.js";

export interface HashableContent {
  type?: string;
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
  immutable?: boolean;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** JSON with object keys sorted, so equal content always serialises equally. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

/** Annotations that are not part of a copy's content (written by Ferry or by kubectl). */
const ignoredAnnotations = new Set([CONTENT_HASH_ANNOTATION, "kubectl.kubernetes.io/last-applied-configuration"]);

export function contentHash(content: HashableContent): string {
  const annotations = Object.fromEntries(Object.entries(content.annotations ?? {}).filter(([key]) => !ignoredAnnotations.has(key)));
  const digest = createHash("sha256")
    .update(
      canonicalJson({
        type: content.type ?? "",
        data: content.data ?? {},
        binaryData: content.binaryData ?? {},
        immutable: content.immutable === true,
        labels: content.labels ?? {},
        annotations,
      }),
    )
    .digest("hex");
  return `sha256:${digest.slice(0, 32)}`;
}
