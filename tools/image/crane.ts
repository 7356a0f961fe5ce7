// crane (go-containerregistry), the daemonless tool that assembles and checks the image: built from
// the Go module proxy by tools/image/install-crane.sh into the cache outside the repository.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { repositoryRoot } from "../helm/chart.js";
import { exec } from "./exec.js";

let binary: Promise<string> | undefined;

/** The crane binary (FERRY_CRANE overrides); fails with the installer's words when it cannot be built. */
export function craneBinary(): Promise<string> {
  binary ??= exec("bash", [join(repositoryRoot, "tools", "image", "install-crane.sh")]).then((stdout) => {
    const path = stdout.trim().split("\n").pop();
    if (!path) throw new Error("tools/image/install-crane.sh printed no path");
    return path;
  });
  return binary;
}

export async function crane(args: string[], input?: string): Promise<string> {
  return exec(await craneBinary(), args, { input });
}

/**
 * Runs `use` with a throwaway registry (`crane registry serve`, in memory, on a free port of
 * 127.0.0.1, which crane talks to over plain HTTP) and stops it afterwards. `host` is host:port.
 */
export async function withLocalRegistry<T>(use: (host: string) => Promise<T>): Promise<T> {
  const child = spawn(await craneBinary(), ["registry", "serve", "--address", "127.0.0.1:0"], { stdio: ["ignore", "ignore", "pipe"] });
  try {
    const port = await new Promise<string>((resolve, reject) => {
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /serving on port (\d+)/.exec(stderr);
        if (match) resolve(match[1]!);
      });
      child.on("error", reject);
      child.on("exit", (code) => reject(new Error(`crane registry serve exited ${code}: ${stderr.trim()}`)));
    });
    return await use(`127.0.0.1:${port}`);
  } finally {
    child.kill("SIGTERM");
  }
}
