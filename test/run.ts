// `npm test`: starts one real control plane for the whole run, runs every test file with node's
// test runner (their processes find the plane in FERRY_TEST_CLUSTER_DIR), and tears it down.
// Arguments, if any, are test files or folders to run instead of all of them.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { LocalControlPlane } from "../src/controlplane/local-control-plane.js";

function testFiles(path: string): string[] {
  if (!existsSync(path)) return [];
  if (statSync(path).isFile()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((entry) => {
      const full = join(path, entry);
      if (statSync(full).isDirectory()) return testFiles(full);
      return entry.endsWith(".test.ts") ? [full] : [];
    });
}

const roots = process.argv.slice(2);
const files = (roots.length > 0 ? roots : ["test/unit", "test/e2e", "test/chaos", "test/final"]).flatMap((root) => testFiles(resolve(root)));
if (files.length === 0) {
  console.error(`no test files under ${roots.join(", ") || "test/unit, test/e2e"}`);
  process.exit(1);
}
const needsCluster = files.some((file) => !file.includes(`${"/"}unit${"/"}`));

let plane: LocalControlPlane | undefined;
const started = Date.now();
if (needsCluster) {
  plane = await LocalControlPlane.up({ dir: mkdtempSync(join(tmpdir(), "ferry-test-cluster-")) });
  console.log(`control plane ready in ${((Date.now() - started) / 1000).toFixed(1)} s (${plane.server})`);
}

const stop = async (keepLogs = false) => {
  if (plane) await plane.down({ keepDir: keepLogs });
  if (plane && keepLogs) console.log(`test logs kept in ${plane.dir} (ferry-test.log, logs/)`);
  plane = undefined;
};
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    void stop().finally(() => process.exit(130));
  });
}

const code = await new Promise<number>((resolveCode) => {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "--test", "--test-concurrency=1", "--test-reporter=spec", ...files],
    {
      stdio: "inherit",
      env: { ...process.env, ...(plane ? { FERRY_TEST_CLUSTER_DIR: plane.dir } : {}) },
    },
  );
  child.on("exit", (exitCode, signal) => resolveCode(exitCode ?? (signal ? 1 : 0)));
});
await stop(code !== 0);
process.exit(code);
