import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fc from "fast-check";
import { canonicalJson, contentHash, type HashableContent } from "../../../src/core/hash.js";
import { CONTENT_HASH_ANNOTATION } from "../../../src/core/marks.js";

/** The definition contentHash is written against: sha256 of the canonical JSON of the content object. */
function definition(content: HashableContent): string {
  const annotations = Object.fromEntries(Object.entries(content.annotations ?? {}).filter(([key]) => key !== CONTENT_HASH_ANNOTATION && key !== "kubectl.kubernetes.io/last-applied-configuration"));
  const text = canonicalJson({
    type: content.type ?? "",
    data: content.data ?? {},
    binaryData: content.binaryData ?? {},
    immutable: content.immutable === true,
    labels: content.labels ?? {},
    annotations,
  });
  return `sha256:${createHash("sha256").update(text).digest("hex").slice(0, 32)}`;
}

// Keys as Kubernetes allows them, including integer-like ones (which objects order first).
const key = fc.oneof(fc.stringMatching(/^[a-zA-Z0-9._-]{1,12}$/), fc.integer({ min: 0, max: 200 }).map(String), fc.constant(CONTENT_HASH_ANNOTATION));
const map = fc.dictionary(key, fc.string({ maxLength: 20 }), { maxKeys: 6 });

test("contentHash is sha256 of the canonical JSON of the content, whatever the key order", () => {
  fc.assert(
    fc.property(
      fc.record({ type: fc.option(fc.string(), { nil: undefined }), data: map, binaryData: fc.option(map, { nil: undefined }), immutable: fc.option(fc.boolean(), { nil: undefined }), labels: map, annotations: map }, { requiredKeys: [] }),
      (content) => assert.equal(contentHash(content), definition(content)),
    ),
    { numRuns: 500 },
  );
});

test("canonicalJson sorts keys at every level and drops undefined values", () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [2, { y: 1, x: undefined }], c: "s" }, 10: true, 9: null }), '{"10":true,"9":null,"a":{"c":"s","d":[2,{"y":1}]},"b":1}');
});
