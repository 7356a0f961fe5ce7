// The shared libraries the node binary needs (glibc, libstdc++, libgcc_s, libatomic), from the
// Debian packages pinned in tools/image/debian-packages.json: downloaded with `apt-get download`
// (apt checks them against the signed archive index), checked against the pinned SHA-256, and
// extracted into a sysroot in the cache outside the repository. tools/image/copy-libraries.sh then
// copies from that sysroot exactly what the dynamic loader resolves for the binary.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repositoryRoot } from "../helm/chart.js";
import { exec, imageCacheDir } from "./exec.js";

export interface DebianPackage {
  name: string;
  version: string;
  sha256: string;
}

export interface DebianLock {
  comment: string;
  suite: string;
  architecture: string;
  packages: DebianPackage[];
}

export const debianLockPath = join(repositoryRoot, "tools", "image", "debian-packages.json");

export function readDebianLock(): DebianLock {
  return JSON.parse(readFileSync(debianLockPath, "utf8")) as DebianLock;
}

function sha256(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

async function download(pkg: DebianPackage, architecture: string): Promise<string> {
  const dir = join(imageCacheDir(), "debian");
  mkdirSync(dir, { recursive: true });
  // apt-get names the file with the version's epoch colon escaped.
  const file = join(dir, `${pkg.name}_${pkg.version.replace(/:/g, "%3a")}_${architecture}.deb`);
  if (!existsSync(file)) {
    try {
      await exec("apt-get", ["download", `${pkg.name}=${pkg.version}`], { cwd: dir });
    } catch (error) {
      throw new Error(
        `apt does not serve ${pkg.name}=${pkg.version}. Run \`apt-get update\`; if Debian has replaced that version, ` +
          `\`npm run image -- --update-debian-packages\` pins apt's current one.\n${(error as Error).message}`,
        { cause: error },
      );
    }
  }
  const actual = sha256(file);
  if (actual !== pkg.sha256) {
    rmSync(file);
    throw new Error(`${file}: SHA-256 ${actual}, but tools/image/debian-packages.json pins ${pkg.sha256}`);
  }
  return file;
}

/** The pinned packages, extracted into one directory tree (a sysroot); built once per lock. */
export async function debianSysroot(): Promise<{ sysroot: string; packages: DebianPackage[] }> {
  const lock = readDebianLock();
  const key = createHash("sha256").update(JSON.stringify(lock.packages)).digest("hex").slice(0, 16);
  const sysroot = join(imageCacheDir(), "sysroot", key);
  if (existsSync(join(sysroot, ".complete"))) return { sysroot, packages: lock.packages };
  const partial = `${sysroot}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  for (const pkg of lock.packages) await exec("dpkg-deb", ["--extract", await download(pkg, lock.architecture), partial]);
  writeFileSync(join(partial, ".complete"), `${lock.packages.map((p) => `${p.name}=${p.version}`).join("\n")}\n`);
  rmSync(sysroot, { recursive: true, force: true });
  renameSync(partial, sysroot);
  return { sysroot, packages: lock.packages };
}

/** Rewrites the lock with apt's current candidate version of each package and its SHA-256. */
export async function updateDebianLock(): Promise<DebianLock> {
  const lock = readDebianLock();
  const packages: DebianPackage[] = [];
  for (const { name } of lock.packages) {
    const show = await exec("apt-cache", ["show", "--no-all-versions", `${name}:${lock.architecture}`]);
    const field = (key: string) => new RegExp(`^${key}: (.+)$`, "m").exec(show)?.[1]?.trim();
    const version = field("Version");
    const digest = field("SHA256");
    if (!version || !digest) throw new Error(`apt-cache show ${name} gave no Version and SHA256`);
    packages.push({ name, version, sha256: digest });
  }
  const updated = { ...lock, packages };
  writeFileSync(debianLockPath, `${JSON.stringify(updated, null, 2)}\n`);
  return updated;
}
