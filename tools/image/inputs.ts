// Everything the image is built from, as one hash: the recipe (tools/image/), the runtime version,
// the code and its lock file, the CRDs and the chart's image name. A build whose inputs hash
// matches the one recorded beside the tarball reuses it, which keeps a warm `npm run image` (and
// the image test that calls it) to a hash of the sources.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { repositoryRoot } from "../helm/chart.js";

const inputs = [".node-version", "package.json", "package-lock.json", "tsconfig.json", "src", "deploy/crds", "tools/image", "charts/ferry/Chart.yaml", "charts/ferry/values.yaml"];

function files(path: string): string[] {
  const full = join(repositoryRoot, path);
  if (!statSync(full).isDirectory()) return [path];
  return readdirSync(full)
    .sort()
    .flatMap((entry) => files(join(path, entry)));
}

/** sha256 over every input file's path and bytes, and the builder's Node.js (its zlib compresses). */
export function inputsHash(): string {
  const hash = createHash("sha256").update(`builder node ${process.version}\n`);
  for (const file of inputs.flatMap(files)) {
    hash.update(`${relative(repositoryRoot, join(repositoryRoot, file))}\0`);
    hash.update(readFileSync(join(repositoryRoot, file)));
    hash.update("\0");
  }
  return `sha256:${hash.digest("hex")}`;
}
