// The one redaction (core/redact.ts): the strongest rules of the three it replaced (the API
// client's, the hub's and the registry's), pinned together.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { REDACTED, describeError, redact, secretValues } from "../../../src/core/redact.js";

const jwt = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEyMyJ9.eyJpc3MiOiJrdWJlcm5ldGVzL3NlcnZpY2VhY2NvdW50In0.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmUtc2lnbg";
const pem = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7";

test("paths and names stay readable; tokens, key material and their base64url pieces go", () => {
  const message = redact(`GET /api/v1/namespaces/ferry-system/secrets: Unauthorized (token ${jwt}) key ${pem}`);
  assert.match(message, /GET \/api\/v1\/namespaces\/ferry-system\/secrets/);
  assert.ok(!message.includes(jwt));
  assert.ok(!message.includes(jwt.split(".")[1]!), "a token's payload survived");
  assert.ok(!message.includes(jwt.split(".")[2]!), "a token's signature survived");
  assert.ok(!message.includes(pem));
  assert.ok(message.includes(REDACTED));
  const url = redact(`token_${"a-b_c".repeat(10)}`);
  assert.ok(url.includes(REDACTED), "a base64url run is a token too");
});

test("known secret values are cut out wherever they appear, the longest first", () => {
  const message = redact("denied for hunter2-password (hunter2)", { secrets: ["hunter2", "hunter2-password", "abc", undefined as unknown as string] });
  assert.equal(message, `denied for ${REDACTED} (${REDACTED})`);
  assert.deepEqual(secretValues(["abc", "hunter2", "hunter2-password", "hunter2", undefined]), ["hunter2-password", "hunter2"]);
});

test("whitespace is folded and the length bounded (default 500, or the caller's)", () => {
  assert.equal(redact("  a \n\t b  "), "a b");
  assert.ok(redact("x ".repeat(2_000)).length <= 503);
  assert.ok(redact("x ".repeat(2_000), { maxLength: 300 }).length <= 303);
});

test("describeError: type and message, redacted, never empty", () => {
  class EcrError extends Error {
    override name = "EcrError";
  }
  const message = describeError(new EcrError(`denied for hunter2-password with token ${"A".repeat(64)} ${"x ".repeat(400)}`), { secrets: ["hunter2-password"], maxLength: 300 });
  assert.match(message, /^EcrError: denied for <redacted>/);
  assert.ok(!message.includes("A".repeat(40)));
  assert.ok(message.length <= 303);
  assert.equal(describeError(new Error("")), "unknown error");
  assert.equal(describeError("plain"), "plain");
});

test("property: no known secret and no 40-character base64 run survives", () => {
  const secret = fc.string({ minLength: 4, maxLength: 30 }).filter((s) => s.trim() === s && !/\s/.test(s));
  fc.assert(
    fc.property(fc.string(), secret, fc.base64String({ minLength: 40, maxLength: 80 }), (prefix, value, token) => {
      const out = redact(`${prefix} ${value} ${token}`, { secrets: [value], maxLength: 10_000 });
      assert.ok(!out.includes(value) || REDACTED.includes(value) || prefix.includes(value), "the secret survived");
      assert.ok(!/[A-Za-z0-9+/=]{40,}/.test(out));
    }),
  );
});
