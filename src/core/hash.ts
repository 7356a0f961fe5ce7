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

/** An object's keys in string order (the apiserver sends them sorted already: then no sort). */
function sortedKeys(object: object): string[] {
  const keys = Object.keys(object);
  for (let i = 1; i < keys.length; i++) if (keys[i - 1]! > keys[i]!) return keys.sort();
  return keys;
}

/** JSON with object keys sorted, so equal content always serialises equally. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  return canonicalObject(value as Record<string, unknown>);
}

function canonicalObject(object: Record<string, unknown>, skip?: ReadonlySet<string>): string {
  let out = "{";
  for (const key of sortedKeys(object)) {
    const v = object[key];
    if (v === undefined || skip?.has(key)) continue;
    out += `${out.length > 1 ? "," : ""}${JSON.stringify(key)}:${typeof v === "string" ? JSON.stringify(v) : canonicalJson(v)}`;
  }
  return `${out}}`;
}

/** Annotations that are not part of a copy's content (written by Ferry or by kubectl). */
const ignoredAnnotations = new Set([CONTENT_HASH_ANNOTATION, "kubectl.kubernetes.io/last-applied-configuration"]);
const none = Object.freeze({});

/**
 * sha256 of the canonical JSON of {annotations, binaryData, data, immutable, labels, type}, the
 * ignored annotations left out. Written field by field (it runs for every copy written or
 * listed): the same bytes as canonicalJson of that object, without building it.
 */
export function contentHash(content: HashableContent): string {
  const text =
    `{"annotations":${canonicalObject(content.annotations ?? none, ignoredAnnotations)},"binaryData":${canonicalObject(content.binaryData ?? none)},` +
    `"data":${canonicalObject(content.data ?? none)},"immutable":${content.immutable === true},"labels":${canonicalObject(content.labels ?? none)},"type":${JSON.stringify(content.type ?? "")}}`;
  return `sha256:${createHash("sha256").update(text).digest("hex").slice(0, 32)}`;
}
