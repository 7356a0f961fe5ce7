// Locates (building if needed) the control-plane binaries built from tools/controlplane/.
import { execFile } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

export function repositoryRoot(): string {
  // src/controlplane/build.ts (or dist/src/controlplane/build.js) -> repository root
  const here = dirname(fileURLToPath(import.meta.url));
  const up = here.includes(`${"/"}dist${"/"}`) ? "../../.." : "../..";
  return resolve(here, up);
}

/** Runs tools/controlplane/build.sh (a no-op when the cache is warm) and returns the bin dir. */
export async function ensureControlPlaneBinaries(): Promise<string> {
  if (process.env.FERRY_CONTROLPLANE_BIN) return process.env.FERRY_CONTROLPLANE_BIN;
  const script = join(repositoryRoot(), "tools", "controlplane", "build.sh");
  const { stdout } = await run("bash", [script], { maxBuffer: 16 * 1024 * 1024 });
  const lines = stdout.trim().split("\n");
  const binDir = lines[lines.length - 1];
  if (!binDir) throw new Error(`control plane build printed no directory (${script})`);
  return binDir;
}
