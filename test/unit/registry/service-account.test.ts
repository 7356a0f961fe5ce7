// imagePullSecrets merging: user entries kept, no duplicates, only Ferry's entries removed.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { mergeImagePullSecrets, parseOwned } from "../../../src/registry/service-account-patcher.js";

const names = (list: Array<{ name?: string }>) => list.map((entry) => entry.name);

test("adds wanted copies after the user's entries and owns only what it added", () => {
  const result = mergeImagePullSecrets([{ name: "mine" }], [], ["dockerhub-secret", "awsecr-cred"]);
  assert.deepEqual(names(result.imagePullSecrets), ["mine", "awsecr-cred", "dockerhub-secret"]);
  assert.deepEqual(result.owned, ["awsecr-cred", "dockerhub-secret"]);
  assert.equal(result.changed, true);
});

test("a name the user already listed stays the user's: not duplicated, not owned, never removed", () => {
  const added = mergeImagePullSecrets([{ name: "dockerhub-secret" }], [], ["dockerhub-secret"]);
  assert.deepEqual(names(added.imagePullSecrets), ["dockerhub-secret"]);
  assert.deepEqual(added.owned, []);
  assert.equal(added.changed, false);
  const removed = mergeImagePullSecrets(added.imagePullSecrets, added.owned, []);
  assert.deepEqual(names(removed.imagePullSecrets), ["dockerhub-secret"]);
});

test("removes only Ferry's entries that are no longer wanted, keeping order and user entries", () => {
  const result = mergeImagePullSecrets([{ name: "a" }, { name: "gcr-secret" }, { name: "b" }, { name: "acr-secret" }], ["gcr-secret", "acr-secret"], ["acr-secret"]);
  assert.deepEqual(names(result.imagePullSecrets), ["a", "b", "acr-secret"]);
  assert.deepEqual(result.owned, ["acr-secret"]);
});

test("a steady state is not a change (no write)", () => {
  const result = mergeImagePullSecrets([{ name: "x" }, { name: "dockerhub-secret" }], ["dockerhub-secret"], ["dockerhub-secret"]);
  assert.equal(result.changed, false);
});

test("owned entries the user deleted by hand come back; duplicates of Ferry's entry collapse to one", () => {
  assert.deepEqual(names(mergeImagePullSecrets([], ["dockerhub-secret"], ["dockerhub-secret"]).imagePullSecrets), ["dockerhub-secret"]);
  assert.deepEqual(names(mergeImagePullSecrets([{ name: "s" }, { name: "s" }], ["s"], ["s"]).imagePullSecrets), ["s"]);
});

test("parseOwned reads the annotation tolerantly", () => {
  assert.deepEqual(parseOwned(" b, a,,a "), ["a", "b"]);
  assert.deepEqual(parseOwned(undefined), []);
});

test("properties: user entries always survive in order, every wanted name appears exactly once, merging twice is a no-op", () => {
  const name: fc.Arbitrary<string> = fc.constantFrom("a", "b", "c", "dockerhub-secret", "awsecr-cred", "gcr-secret");
  fc.assert(
    fc.property(fc.array(name, { maxLength: 6 }), fc.uniqueArray(name, { maxLength: 4 }), fc.uniqueArray(name, { maxLength: 4 }), (current, owned, wanted) => {
      const result = mergeImagePullSecrets(current.map((n) => ({ name: n })), owned, wanted);
      const after = names(result.imagePullSecrets);
      const userEntries = current.filter((n) => !owned.includes(n));
      assert.deepEqual(after.filter((n) => userEntries.includes(n!)), userEntries, "user entries kept, in order");
      for (const w of wanted) assert.ok(after.includes(w), `${w} listed`);
      for (const w of wanted) if (!userEntries.includes(w)) assert.equal(after.filter((n) => n === w).length, 1, `${w} once`);
      for (const o of owned) if (!wanted.includes(o) && !userEntries.includes(o)) assert.ok(!after.includes(o), `${o} removed`);
      const again = mergeImagePullSecrets(result.imagePullSecrets, result.owned, wanted);
      assert.equal(again.changed, false);
    }),
  );
});
