// Locates (building if needed) the control-plane binaries built from tools/controlplane/.
// The first build compiles kube-apiserver, kube-controller-manager and etcd from source, which
// takes many minutes: say so as soon as the script does not answer at once, pass the Go
// toolchain's own lines (module downloads) through, and print the elapsed time while it runs.
import { spawn } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export function repositoryRoot(): string {
  // src/controlplane/build.ts (or dist/src/controlplane/build.js) -> repository root
  const here = dirname(fileURLToPath(import.meta.url));
  const up = here.includes(`${"/"}dist${"/"}`) ? "../../.." : "../..";
  return resolve(here, up);
}

export interface BuildProgressOptions {
  /** Where progress lines go (default: stderr). */
  report?: (line: string) => void;
  /** A warm cache answers within this time and prints nothing (default 2 s). */
  announceAfterMs?: number;
  /** Interval of the "still building" lines (default 60 s). */
  tickMs?: number;
}

export const firstBuildNotice =
  "building the local control plane (etcd, kube-apiserver, kube-controller-manager) from source: " +
  "first time only, ~15-20 min on 2 cores; later starts reuse the cache";

/** Runs a build script that prints the binaries' directory as its last stdout line, reporting progress. */
export async function runBuildScript(script: string, args: string[] = [], options: BuildProgressOptions = {}): Promise<string> {
  const report = options.report ?? ((line: string) => process.stderr.write(`${line}\n`));
  const started = Date.now();
  let announced = false;
  const announce = () => {
    if (announced) return;
    announced = true;
    report(firstBuildNotice);
  };
  const child = spawn("bash", [script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  const lastErrors: string[] = [];
  createInterface({ input: child.stderr }).on("line", (line) => {
    announce();
    report(line);
    lastErrors.push(line);
    if (lastErrors.length > 20) lastErrors.shift();
  });
  const announceTimer = setTimeout(announce, options.announceAfterMs ?? 2_000);
  const ticker = setInterval(() => {
    announce();
    const seconds = Math.round((Date.now() - started) / 1000);
    report(`still building the local control plane: ${Math.floor(seconds / 60)} min ${seconds % 60} s elapsed`);
  }, options.tickMs ?? 60_000);
  try {
    const code = await new Promise<number>((resolveCode, reject) => {
      child.on("error", reject);
      child.on("close", (exitCode, signal) => resolveCode(exitCode ?? (signal ? 1 : 0)));
    });
    if (code !== 0) throw new Error(`${script} failed (exit ${code})${lastErrors.length ? `:\n${lastErrors.join("\n")}` : ""}`);
  } finally {
    clearTimeout(announceTimer);
    clearInterval(ticker);
  }
  const lines = stdout.trim().split("\n");
  const binDir = lines[lines.length - 1];
  if (!binDir) throw new Error(`control plane build printed no directory (${script})`);
  return binDir;
}

/** Runs tools/controlplane/build.sh (a no-op when the cache is warm) and returns the bin dir. */
export async function ensureControlPlaneBinaries(options: BuildProgressOptions = {}): Promise<string> {
  if (process.env.FERRY_CONTROLPLANE_BIN) return process.env.FERRY_CONTROLPLANE_BIN;
  return runBuildScript(join(repositoryRoot(), "tools", "controlplane", "build.sh"), [], options);
}
