// The image test unpacks layers the way a container runtime does; its whiteout handling is our
// own code, so it is pinned here: `.wh.<name>` removes <name> from the layers below, `.wh..wh..opq`
// empties its directory, and every other entry is left alone.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { applyWhiteouts } from "../support/image-rootfs.js";

test("whiteouts delete files and directories of lower layers; an opaque whiteout empties its directory", (t) => {
  const root = mkdtempSync(join(tmpdir(), "ferry-whiteouts-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  for (const dir of ["etc/old.d", "opaque/sub", "keep"]) mkdirSync(join(root, dir), { recursive: true });
  for (const file of ["etc/gone.conf", "etc/kept.conf", "etc/old.d/a", "opaque/x", "opaque/sub/y", "keep/z"]) writeFileSync(join(root, file), "lower layer");

  const applied = applyWhiteouts(root, ["etc/", "etc/.wh.gone.conf", "./etc/.wh.old.d", "opaque/.wh..wh..opq", "opaque/new", "keep/z", ".wh.missing"]);

  assert.equal(applied, 4);
  assert.ok(!existsSync(join(root, "etc/gone.conf")));
  assert.ok(!existsSync(join(root, "etc/old.d")));
  assert.ok(existsSync(join(root, "etc/kept.conf")));
  assert.deepEqual(readdirSync(join(root, "opaque")), [], "the opaque directory stays, emptied of what lower layers put there");
  assert.ok(existsSync(join(root, "keep/z")));
});
