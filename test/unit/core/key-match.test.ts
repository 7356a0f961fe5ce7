import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { carriesKey, hasMatchingKey, matchesKey } from "../../../src/core/key-match.js";

test("a key matches itself and any 'prefix/' it lies under, nothing else", () => {
  assert.ok(matchesKey("mw-sync", ["mw-sync"]));
  assert.ok(matchesKey("example.com/anything", ["example.com/"]));
  assert.ok(!matchesKey("example.com", ["example.com/"]), "the prefix itself is not under itself");
  assert.ok(!matchesKey("mw-sync-extra", ["mw-sync"]), "an exact key is not a prefix");
  assert.ok(!matchesKey("a/b", []));
});

test("carriesKey looks at labels and annotations; missing maps carry nothing", () => {
  assert.ok(carriesKey({ labels: { "secret-syncer.jeffl.es/sync": "true" } }, ["secret-syncer.jeffl.es/sync"]));
  assert.ok(carriesKey({ annotations: { "kubed.appscode.com/sync": "" } }, ["kubed.appscode.com/"]));
  assert.ok(!carriesKey({}, ["a"]));
  assert.ok(!hasMatchingKey(undefined, ["a"]));
});

test("property: a map carries a key exactly when one of its keys matches", () => {
  const key = fc.stringMatching(/^[a-c]{1,2}(\/[a-c]{0,2})?$/);
  fc.assert(
    fc.property(fc.dictionary(key, fc.string()), fc.array(key), (map, keys) => {
      assert.equal(hasMatchingKey(map, keys), Object.keys(map).some((k) => keys.some((c) => k === c || (c.endsWith("/") && k.startsWith(c)))));
    }),
  );
});
