// resourceVersions are opaque (the API promises equality only, not order): which watch events an
// informer applies after Ferry recorded its own write, decided by the watch's order alone.
import assert from "node:assert/strict";
import { test } from "node:test";
import { OwnWrites } from "../../../src/kube/own-writes.js";

test("without a write of ours in flight, every event whose version differs from the known one is news, whatever the digits say", () => {
  const writes = new OwnWrites();
  assert.equal(writes.isNews("ns/a", "99", "100"), true, "a smaller number is not an older version");
  assert.equal(writes.isNews("ns/a", "100", "99"), true);
  assert.equal(writes.isNews("ns/a", "b7", "a9"), true);
  assert.equal(writes.isNews("ns/a", "100", "100"), false, "the same version is no news");
  assert.equal(writes.isNews("ns/a", "1", undefined), true);
});

test("after our write, events up to the watch's delivery of it are older and skipped; later ones are news", () => {
  const writes = new OwnWrites();
  // The store knew "500"; we updated with that precondition and got "7" back (not a bigger number).
  assert.equal(writes.recordWrite("ns/a", "7", "500", "500"), true);
  assert.equal(writes.isNews("ns/a", "600", "7"), false, "the watch has not delivered our write yet: this event precedes it");
  assert.equal(writes.isNews("ns/a", "7", "7"), false, "our own write, already stored");
  assert.equal(writes.isNews("ns/a", "3", "7"), true, "after our write: someone else's change");
});

test("a write whose precondition is no longer what the store holds does not replace what the watch delivered meanwhile", () => {
  const writes = new OwnWrites();
  // The watch delivered our write "7" and then someone's "8" before our response was processed.
  assert.equal(writes.recordWrite("ns/a", "7", "5", "8"), false);
  assert.equal(writes.isNews("ns/a", "9", "8"), true, "nothing is held back");
  // The watch already delivered exactly our write.
  assert.equal(writes.recordWrite("ns/a", "9", "8", "9"), false);
});

test("a create (no precondition) of a key the store does not hold is recorded; of a key it holds, it is the watch's", () => {
  const writes = new OwnWrites();
  assert.equal(writes.recordWrite("ns/new", "12", undefined, undefined), true);
  assert.equal(writes.isNews("ns/new", "11", "12"), false);
  assert.equal(writes.isNews("ns/new", "12", "12"), false);
  assert.equal(writes.isNews("ns/new", "13", "12"), true);
  assert.equal(writes.recordWrite("ns/other", "20", undefined, "19"), false);
});

test("a store that does not hold the key takes our write whatever it was conditioned on: the object just entered its selection", () => {
  const writes = new OwnWrites();
  assert.equal(writes.recordWrite("ns/adopted", "31", "30", undefined), true);
  assert.equal(writes.isNews("ns/adopted", "30", "31"), false);
  assert.equal(writes.isNews("ns/adopted", "31", "31"), false);
  assert.equal(writes.isNews("ns/adopted", "32", "31"), true);
});

test("clear() (a relist) forgets writes in flight: the list is the truth", () => {
  const writes = new OwnWrites();
  writes.recordWrite("ns/a", "7", "5", "5");
  writes.clear();
  assert.equal(writes.isNews("ns/a", "6", "7"), true);
});
