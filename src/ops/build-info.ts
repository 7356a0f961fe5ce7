// What this Ferry is: its version (package.json, which the image ships next to dist/) and the
// Node.js it runs on. Read once; the `ferry_build_info` metric reports both.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repositoryRoot } from "../controlplane/build.js";

export interface BuildInfo {
  version: string;
  node: string;
}

let cached: BuildInfo | undefined;

export function buildInfo(): BuildInfo {
  cached ??= {
    version: (JSON.parse(readFileSync(join(repositoryRoot(), "package.json"), "utf8")) as { version: string }).version,
    node: process.version,
  };
  return cached;
}
