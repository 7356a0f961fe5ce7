// One image layer from a staged directory tree: a tar with every timestamp at the Unix epoch,
// entries sorted by name, owner root (paths listed in `owners` get theirs), then gzip. The same
// tree gives the same bytes, so the same inputs give the same layer digest.
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, readdirSync, rmSync, statSync } from "node:fs";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { exec } from "./exec.js";

export interface Layer {
  /** The gzip-compressed tar (the blob). */
  path: string;
  /** Bytes of the uncompressed tar (what it takes unpacked, roughly). */
  size: number;
  /** Bytes of the compressed blob (what a pull transfers). */
  compressedSize: number;
  /** sha256 of the uncompressed tar (the image config's diff_id). */
  diffId: string;
}

const reproducible = ["--format=gnu", "--sort=name", "--mtime=@0", "--numeric-owner"];

/** Writes `out` (.tar.gz) from everything under `root`; `owners` maps relative paths to uid:gid. */
export async function writeLayer(root: string, out: string, owners: Record<string, string> = {}): Promise<Layer> {
  const tar = `${out}.tar`;
  const entries = readdirSync(root).sort();
  if (entries.length === 0) throw new Error(`${root} is empty`);
  const special = Object.keys(owners);
  await exec("tar", ["--create", "--file", tar, "--directory", root, ...reproducible, "--owner=0", "--group=0", ...special.map((p) => `--exclude=${p}`), ...entries]);
  for (const [path, owner] of Object.entries(owners)) {
    const [uid, gid] = owner.split(":");
    await exec("tar", ["--append", "--file", tar, "--directory", root, ...reproducible, `--owner=${uid}`, `--group=${gid}`, "--no-recursion", path]);
  }
  const diff = createHash("sha256");
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      diff.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(createReadStream(tar), counter, createGzip({ level: 6 }), createWriteStream(out));
  const size = statSync(tar).size;
  rmSync(tar);
  return { path: out, size, compressedSize: statSync(out).size, diffId: `sha256:${diff.digest("hex")}` };
}
