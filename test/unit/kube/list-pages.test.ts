// How large each page of a list is: by the bytes the last page took per object, within bounds.
import assert from "node:assert/strict";
import { test } from "node:test";
import { MAX_PAGE, MIN_PAGE, PAGE_BYTES, nextPageLimit } from "../../../src/kube/list-pages.js";

test("small objects (metadata of Secrets, copies of a few keys) get pages of up to MAX_PAGE objects", () => {
  assert.equal(nextPageLimit(500, 500 * 300), MAX_PAGE, "300 bytes each: capped");
  assert.equal(nextPageLimit(500, 500 * 1200), Math.floor(PAGE_BYTES / 1200), "1,200 bytes each: as many as fit in PAGE_BYTES");
});

test("large objects never get pages smaller than MIN_PAGE (what client-go's reflector asks for), nor larger", () => {
  assert.equal(nextPageLimit(500, 500 * 64 * 1024), MIN_PAGE);
  assert.equal(nextPageLimit(MIN_PAGE, MIN_PAGE * 1024 * 1024), MIN_PAGE);
});

test("a page with no objects (a label selector that matched nothing on it) says nothing of sizes: MIN_PAGE", () => {
  assert.equal(nextPageLimit(0, 123), MIN_PAGE);
  assert.equal(nextPageLimit(10, 0), MIN_PAGE);
});
