// The pinned runtime: `.node-version` is the one place that names it (the image recipe reads it
// too); `.nvmrc`, package.json's `engines` and `volta`, and tools/node (the npm package whose
// `node` binary npm scripts run on) must name the same version, and the tests themselves must
// run on it. On a system Node of another version (20 here) the first test fails: run the tests
// through npm (`npm test`, `npx tsx test/run.ts ...`), which puts node_modules/.bin first on PATH.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { repositoryRoot } from "../../src/controlplane/build.js";

const read = (path: string) => readFileSync(join(repositoryRoot(), path), "utf8");
const pinned = read(".node-version");

test(".node-version is exactly a version string and a newline", () => {
  assert.match(pinned, /^\d+\.\d+\.\d+\n$/);
});

test("the tests run on the pinned runtime", () => {
  assert.equal(
    process.version,
    `v${pinned.trim()}`,
    `running on ${process.execPath}; on ${process.platform}-${process.arch} without a runtime package in tools/node, ` +
      `use a version manager that reads .node-version (nvm, fnm, volta, mise)`,
  );
});

test(".nvmrc, engines, volta and tools/node name the pinned version", () => {
  const version = pinned.trim();
  const packageJson = JSON.parse(read("package.json")) as { engines: { node: string }; volta: { node: string }; devDependencies: Record<string, string> };
  const runtime = JSON.parse(read("tools/node/package.json")) as { version: string; optionalDependencies: Record<string, string> };
  assert.equal(read(".nvmrc"), pinned);
  assert.equal(packageJson.engines.node, `^${version}`);
  assert.equal(packageJson.volta.node, version);
  assert.equal(packageJson.devDependencies["ferry-node-runtime"], "file:tools/node", "a dev dependency: never in the production install");
  assert.equal(runtime.version, version);
  assert.ok(Object.keys(runtime.optionalDependencies).length > 0);
  for (const [name, range] of Object.entries(runtime.optionalDependencies)) {
    assert.match(name, /^node-(linux|darwin|win)-[a-z0-9]+$/);
    assert.equal(range, version, name);
  }
});
