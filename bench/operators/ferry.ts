// Ferry as its users run it: the compiled process with the container image's node flags
// (bench/image-node-flags.ts) and the Helm chart's default flags, one replica without leader
// election (like the peers, which have none), registry part on. `npm run bench` compiles dist/
// first. Extra node flags (e.g. --cpu-prof) come from --ferry-node-flags.
import { spawn } from "node:child_process";
import { createWriteStream, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { repositoryRoot } from "../../src/controlplane/build.js";
import { freePort } from "../../src/controlplane/free-port.js";
import { SYNC_TO_SELECTOR } from "../../src/dialects/native.js";
import { waitFor } from "../../src/util/wait-for.js";
import { imageNodeFlags } from "../image-node-flags.js";
import { InspectorProfiler, type CpuProfile } from "../measure/cpu-profile.js";
import type { Operator, RunningOperator, StartOptions } from "./operator.js";

/** The Helm chart's default flags (charts/ferry/values.yaml, as its deployment template passes them), without --leader-elect. */
function chartArgs(): string[] {
  const values = parse(readFileSync(join(repositoryRoot(), "charts", "ferry", "values.yaml"), "utf8")) as Record<string, unknown>;
  return ["run", `--policy=${values.policy}`, `--concurrency=${values.concurrency}`, `--qps=${values.qps}`, `--burst=${values.burst}`, `--log-level=${values.logLevel}`, "--log-format=json"];
}

/**
 * `profile`: start with the inspector on, so that the bench can profile each scenario; the process
 * waits for the profiler before its first line (--inspect-brk), so its start-up is profiled too.
 */
export function ferryOperator(version: string, extraNodeFlags: readonly string[] = [], profile = false): Operator {
  const argv = (kubeconfig: string, port: number | string, inspectPort?: number) => [
    ...imageNodeFlags(),
    ...extraNodeFlags,
    ...(inspectPort ? [`--inspect-brk=127.0.0.1:${inspectPort}`] : []),
    "dist/src/cli/main.js",
    ...chartArgs(),
    `--kubeconfig=${kubeconfig}`,
    `--health-port=${port}`,
  ];
  return {
    name: "ferry",
    title: `Ferry ${version}`,
    commandLine: () => ["node", ...argv("<kubeconfig>", "<port>")].join(" "),
    readiness: "/readyz 200: every cache listed, every watch connected, the first plan made",
    unavailable: () => undefined,
    overwritesUnmanaged: false,
    sourceMetadata: (key, value) => ({ annotations: { [SYNC_TO_SELECTOR]: `${key}=${value}` } }),
    async start({ kubeconfig, dir }: StartOptions): Promise<RunningOperator> {
      mkdirSync(dir, { recursive: true });
      const port = await freePort();
      const inspectPort = profile ? await freePort() : undefined;
      const log = createWriteStream(join(dir, "ferry.log"), { flags: "a" });
      let started = Date.now();
      const child = spawn(process.execPath, argv(kubeconfig, port, inspectPort), { cwd: process.cwd(), stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NODE_ENV: "production" } });
      child.stdout.pipe(log);
      child.stderr.pipe(log);
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      let gone = false;
      void exited.then(() => (gone = true));
      const url = `http://127.0.0.1:${port}`;
      const inspectorUrl = inspectPort ? `http://127.0.0.1:${inspectPort}` : undefined;
      let profiler: InspectorProfiler | undefined;
      let startProfile: CpuProfile | undefined;
      let readyAt: number;
      try {
        if (inspectorUrl) {
          await waitFor(async () => (await fetch(`${inspectorUrl}/json/list`).catch(() => undefined))?.ok === true, { timeoutMs: 30_000, intervalMs: 10, description: "ferry's inspector" });
          profiler = new InspectorProfiler(inspectorUrl);
          await profiler.start();
          await profiler.release();
          started = Date.now(); // spawn -> ready is timed from here: the wait for the profiler is not Ferry's
        }
        await waitFor(
          async () => {
            if (gone) throw new Error(`ferry exited (code ${child.exitCode}); see ${join(dir, "ferry.log")}`);
            const response = await fetch(`${url}/readyz`).catch(() => undefined);
            await response?.body?.cancel();
            return response?.status === 200;
          },
          { timeoutMs: 600_000, intervalMs: 25, description: "ferry /readyz" },
        );
        readyAt = Date.now();
        if (profiler) startProfile = await profiler.stop();
      } catch (error) {
        child.kill("SIGKILL");
        throw error;
      } finally {
        profiler?.close();
      }
      const readyMs = readyAt - started;
      return {
        pid: child.pid!,
        readyMs,
        metricsUrl: `${url}/metrics`,
        inspectorUrl,
        startProfile,
        async stop() {
          if (gone) return;
          child.kill("SIGTERM");
          const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
          await exited;
          clearTimeout(timer);
          log.end();
        },
      };
    },
  };
}
