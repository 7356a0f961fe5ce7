// Ferry loads only KubeConfig from @kubernetes/client-node, through src/kube/kube-config.ts; one
// value import of the package's index anywhere in src/ brings back its ~900 generated API files
// (half of Ferry's start-up time and ~30 MiB of RSS, src/cli/lean-imports.ts). A merge brought
// such an import in once; this keeps it out.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

test("no file in src/ but src/kube/kube-config.ts imports a value from @kubernetes/client-node", () => {
  const offenders = sources("src")
    .filter((path) => relative("src", path) !== join("kube", "kube-config.ts"))
    .filter((path) => /^\s*(import|export)\s+(?!type\b)[^;]*from\s+"@kubernetes\/client-node[^"]*"/m.test(readFileSync(path, "utf8")));
  assert.deepEqual(offenders, [], "import KubeConfig from src/kube/kube-config.ts instead (type-only imports are fine)");
});

test("`ferry run` loads neither client-node's generated API nor undici, and KubeConfig still applies a kubeconfig", () => {
  const child = spawnSync(process.execPath, ["--import", "tsx", "test/support/loaded-packages.ts"], { encoding: "utf8" });
  assert.equal(child.status, 0, child.stderr);
  const { loaded, authorization, ca } = JSON.parse(child.stdout.trim().split("\n").at(-1)!) as { loaded: string[]; authorization?: string; ca: boolean };
  assert.ok(loaded.some((path) => path.startsWith("@kubernetes/client-node/dist/config.js")), "the probe sees client-node's files load");
  assert.deepEqual(loaded.filter((path) => /^@kubernetes\/client-node\/dist\/gen\/(index\.js|apis\/|models\/)/.test(path)), [], "the generated API");
  assert.deepEqual(loaded.filter((path) => path.startsWith("undici/")), [], "undici");
  assert.equal(authorization, "Bearer a-token");
  assert.equal(ca, true);
});
