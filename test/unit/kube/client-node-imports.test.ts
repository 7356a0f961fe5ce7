// Ferry loads only KubeConfig from @kubernetes/client-node, through src/kube/kube-config.ts; one
// value import of the package's index anywhere in src/ brings back its ~900 generated API files
// (half of Ferry's start-up time and ~30 MiB of RSS, src/cli/lean-imports.ts). A merge brought
// such an import in once; this keeps it out.
import assert from "node:assert/strict";
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
