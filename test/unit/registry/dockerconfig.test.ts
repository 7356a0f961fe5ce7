// dockerconfigjson building and reading.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { DockerConfigError, buildDockerConfig, dockerConfigJson, earliestExpiry, parseDockerConfig } from "../../../src/registry/dockerconfig.js";

test("builds the auths document kubelet reads: username, password and base64 auth per registry, sorted", () => {
  const doc = buildDockerConfig([
    { registry: "https://index.docker.io/v1/", username: "me", password: "pw" },
    { registry: "https://123456789012.dkr.ecr.us-east-1.amazonaws.com", username: "AWS", password: "tok:en" },
  ]);
  assert.deepEqual(Object.keys(doc.auths), ["https://123456789012.dkr.ecr.us-east-1.amazonaws.com", "https://index.docker.io/v1/"]);
  assert.deepEqual(doc.auths["https://index.docker.io/v1/"], { username: "me", password: "pw", auth: Buffer.from("me:pw").toString("base64") });
  assert.equal(Buffer.from(doc.auths["https://123456789012.dkr.ecr.us-east-1.amazonaws.com"]!.auth!, "base64").toString(), "AWS:tok:en");
});

test("round trip: what is built parses back to the same logins", () => {
  const login = fc.record({ registry: fc.string({ minLength: 1, maxLength: 30 }), username: fc.string({ maxLength: 20 }).filter((u) => !u.includes(":")), password: fc.string({ maxLength: 40 }) });
  fc.assert(
    fc.property(fc.uniqueArray(login, { minLength: 1, maxLength: 5, selector: (l) => l.registry }), (generated) => {
      const logins = generated.map((l) => ({ ...l }));
      const parsed = parseDockerConfig(dockerConfigJson(logins));
      const sort = (list: typeof logins) => [...list].sort((a, b) => (a.registry < b.registry ? -1 : 1));
      assert.deepEqual(sort(parsed), sort(logins));
    }),
  );
});

test("reads auth-only entries and legacy .dockercfg maps; refuses malformed documents without quoting them", () => {
  assert.deepEqual(parseDockerConfig(JSON.stringify({ auths: { r: { auth: Buffer.from("u:p:q").toString("base64") } } })), [{ registry: "r", username: "u", password: "p:q" }]);
  assert.deepEqual(parseDockerConfig(JSON.stringify({ r: { username: "u", password: "p", email: "none" } })), [{ registry: "r", username: "u", password: "p" }]);
  for (const bad of ["not json super-secret", "[]", '{"auths":{}}', '{"auths":{"r":{"auth":"bm9jb2xvbg=="}}}', '{"auths":{"r":{}}}']) {
    assert.throws(() => parseDockerConfig(bad), (error: unknown) => error instanceof DockerConfigError && !error.message.includes("super-secret"));
  }
});

test("earliest expiry of a set of logins", () => {
  assert.equal(earliestExpiry([{ registry: "a", username: "u", password: "p" }]), undefined);
  const soon = new Date(1_000);
  assert.equal(earliestExpiry([{ registry: "a", username: "u", password: "p", expiresAt: new Date(5_000) }, { registry: "b", username: "u", password: "p", expiresAt: soon }]), soon);
});
