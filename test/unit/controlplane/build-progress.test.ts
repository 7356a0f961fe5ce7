// The first `npm start`/`npm test` builds the control plane for many minutes: the build says so
// at once, passes the Go toolchain's lines through and reports the elapsed time while it runs;
// a warm cache says nothing. The scripts here stand in for tools/controlplane/build.sh: the slow
// one builds until the test has seen its first progress line.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { firstBuildNotice, runBuildScript } from "../../../src/controlplane/build.js";

const dir = mkdtempSync(join(tmpdir(), "ferry-build-progress-"));
const script = (name: string, body: string) => {
  const path = join(dir, name);
  writeFileSync(path, `set -euo pipefail\n${body}\n`);
  return path;
};

test("a cold build announces itself, forwards the toolchain's lines and reports elapsed time until it is done", async () => {
  const release = join(dir, "release");
  const slow = script("slow.sh", `echo "go: downloading k8s.io/kubernetes v1.37.2" >&2\nuntil [[ -f "${release}" ]]; do sleep 0.05; done\necho /cache/bin`);
  const lines: string[] = [];
  const binDir = await runBuildScript(slow, [], {
    announceAfterMs: 60_000,
    tickMs: 20,
    report: (line) => {
      lines.push(line);
      if (line.startsWith("still building")) writeFileSync(release, "");
    },
  });
  assert.equal(binDir, "/cache/bin");
  assert.equal(lines[0], firstBuildNotice, "the notice comes first, before the toolchain's own output");
  assert.ok(lines.includes("go: downloading k8s.io/kubernetes v1.37.2"));
  assert.match(lines.find((line) => line.startsWith("still building")) ?? "", /^still building the local control plane: \d+ min \d+ s elapsed$/);
});

test("a warm cache prints nothing", async () => {
  const lines: string[] = [];
  const binDir = await runBuildScript(script("warm.sh", "echo /cache/bin"), [], { announceAfterMs: 60_000, tickMs: 60_000, report: (line) => lines.push(line) });
  assert.equal(binDir, "/cache/bin");
  assert.deepEqual(lines, []);
});

test("a failed build says which script failed and shows its last lines", async () => {
  const failing = script("failing.sh", `echo "compile error in k8s.io/foo" >&2\nexit 3`);
  await assert.rejects(runBuildScript(failing, [], { report: () => undefined }), (error: Error) => {
    assert.match(error.message, /failing\.sh failed \(exit 3\)/);
    assert.match(error.message, /compile error in k8s\.io\/foo/);
    return true;
  });
});
