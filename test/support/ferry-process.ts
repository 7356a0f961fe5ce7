// Ferry as a separate process (`ferry run`), so a test can SIGKILL it like a crashed pod.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { resolve } from "node:path";
import { freePort } from "../../src/controlplane/free-port.js";
import { WaitAborted, waitFor } from "../../src/util/wait-for.js";

export interface FerryProcess {
  child: ChildProcess;
  healthUrl: string;
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** ferry_writes_total summed over verbs and kinds, from /metrics. */
  writes(): Promise<number>;
}

/** Starts `ferry run`; `env` replaces the child's environment when given (as a pod's spec would). */
export async function startFerryProcess(kubeconfig: string, logFile: string, extraArgs: string[] = [], env?: NodeJS.ProcessEnv): Promise<FerryProcess> {
  const port = await freePort();
  const log = openSync(logFile, "a");
  const child = spawn(
    process.execPath,
    ["--import", resolve("node_modules/tsx/dist/loader.mjs"), resolve("src/cli/main.ts"), "run", "--kubeconfig", kubeconfig, "--health-port", String(port), "--log-format", "json", ...extraArgs],
    { stdio: ["ignore", log, log], ...(env ? { env } : {}) },
  );
  closeSync(log);
  const healthUrl = `http://127.0.0.1:${port}`;
  let exited = false;
  child.on("exit", () => (exited = true));
  await waitFor(
    async () => {
      if (exited) throw new WaitAborted(`ferry exited early; see ${logFile}`);
      return (await fetch(`${healthUrl}/readyz`)).status === 200;
    },
    { timeoutMs: 60_000, description: "ferry process ready" },
  );
  return {
    child,
    healthUrl,
    async kill(signal: NodeJS.Signals = "SIGKILL") {
      if (exited) return;
      child.kill(signal);
      await waitFor(() => exited, { timeoutMs: 15_000, description: "ferry process to exit" });
    },
    async writes() {
      const text = await (await fetch(`${healthUrl}/metrics`)).text();
      return text
        .split("\n")
        .filter((line) => line.startsWith("ferry_writes_total{"))
        .reduce((sum, line) => sum + Number(line.split(" ").pop()), 0);
    },
  };
}
