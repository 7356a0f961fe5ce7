// A root filesystem from an image tarball, as a container runtime makes one: the layers its OCI
// index names, unpacked in order with GNU tar (owners and modes kept), each layer's whiteouts
// applied to the layers below it first (`.wh.<name>` deletes <name>, `.wh..wh..opq` empties its
// directory), as the OCI image spec's layer format says.
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join, posix } from "node:path";
import { blobPath, readImageArchive, type ImageArchive } from "../../tools/image/oci-archive.js";

const whiteout = ".wh.";
const opaque = ".wh..wh..opq";

/** Pipes one blob of the archive into `tar` with these arguments; resolves with tar's stdout. */
function tarFromBlob(archive: string, digest: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const source = spawn("tar", ["--extract", "--to-stdout", "--file", archive, blobPath(digest)], { stdio: ["ignore", "pipe", "pipe"] });
    const sink = spawn("tar", args, { stdio: ["pipe", "pipe", "pipe"] });
    source.stdout.pipe(sink.stdin);
    let stdout = "";
    let stderr = "";
    sink.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    sink.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    source.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    sink.on("error", reject);
    sink.on("close", (code) => (code === 0 ? resolve(stdout) : reject(new Error(`tar ${args.join(" ")} on ${digest} exited ${code}: ${stderr.trim()}`))));
  });
}

/** Applies the whiteouts among `entries` (a layer's paths) to what `root` holds so far. */
export function applyWhiteouts(root: string, entries: string[]): number {
  let applied = 0;
  for (const entry of entries) {
    const path = posix.normalize(entry.replace(/^\.?\//, ""));
    const name = posix.basename(path);
    if (!name.startsWith(whiteout)) continue;
    const dir = join(root, posix.dirname(path));
    if (name === opaque) {
      for (const child of safeList(dir)) rmSync(join(dir, child), { recursive: true, force: true });
    } else {
      rmSync(join(dir, name.slice(whiteout.length)), { recursive: true, force: true });
    }
    applied++;
  }
  return applied;
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export interface UnpackedImage extends ImageArchive {
  /** Whiteouts applied. */
  whiteouts: number;
  /** Every path the layers hold, absolute, as in the image (whiteouts not included). */
  paths: Set<string>;
}

/** Unpacks the image in `archive` into `root` (created if missing); returns what it read. */
export async function unpackImage(archive: string, root: string): Promise<UnpackedImage> {
  const image = await readImageArchive(archive);
  mkdirSync(root, { recursive: true });
  let whiteouts = 0;
  const paths = new Set<string>();
  for (const layer of image.manifest.layers) {
    const entries = (await tarFromBlob(archive, layer.digest, ["--list", "--gzip"])).split("\n").filter(Boolean);
    whiteouts += applyWhiteouts(root, entries);
    for (const entry of entries) if (!posix.basename(entry).startsWith(whiteout)) paths.add(posix.join("/", entry).replace(/\/$/, ""));
    await tarFromBlob(archive, layer.digest, ["--extract", "--gzip", "--directory", root, "--same-owner", "--same-permissions", "--numeric-owner", `--exclude=${whiteout}*`]);
  }
  return { ...image, whiteouts, paths };
}
