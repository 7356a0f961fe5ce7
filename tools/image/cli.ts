// `npm run image`: builds dist/image/ferry-<version>.tar (or reuses it when its inputs are
// unchanged) and prints its digest and sizes. `--force` rebuilds; `--update-debian-packages`
// pins apt's current versions of the Debian packages in tools/image/debian-packages.json first.
import { relative } from "node:path";
import { repositoryRoot } from "../helm/chart.js";
import { buildImage } from "./build.js";
import { updateDebianLock } from "./debian-libraries.js";

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

const args = process.argv.slice(2);
for (const arg of args) {
  if (!["--force", "--update-debian-packages"].includes(arg)) {
    console.error(`usage: npm run image [-- --force] [-- --update-debian-packages]\nunknown argument ${arg}`);
    process.exit(2);
  }
}
if (args.includes("--update-debian-packages")) {
  const lock = await updateDebianLock();
  console.error(`pinned ${lock.packages.map((p) => `${p.name}=${p.version}`).join(", ")}`);
}
const image = await buildImage({ force: args.includes("--force") || args.includes("--update-debian-packages") });
console.log(`${relative(repositoryRoot, image.path)}  ${image.reference}`);
console.log(`digest ${image.digest}  (image ID ${image.configDigest})`);
console.log(`size ${mib(image.compressedSize)} compressed, ${mib(image.size)} uncompressed (${image.layers.map((l) => `${l.name} ${mib(l.compressedSize)}`).join(", ")})`);
console.log(`${image.reused ? "reused: same inputs as the last build" : "built"} in ${image.seconds.toFixed(1)} s`);
