// Starts a peer tool's real binary (kubernetes-replicator, config-syncer) out of cluster against a
// kubeconfig, with the flags its users run it with, and waits until it reports healthy. Used by the
// cutover runs (peer makes copies -> stop peer -> start Ferry) and the peer benchmark (issue 19).
//
// The binaries are not part of this repository and are never built by it: they are expected in
// ~/.cache/ferry/peers/<name>-<version>/bin/<name> (or FERRY_PEER_BIN_<NAME>, or --bin).
//
//   npx tsx tools/peers/peer.ts start replicator --kubeconfig /tmp/c/kubeconfig [--dir D] [-- extra flags]
//
// `start` runs in the foreground until SIGINT/SIGTERM and stops the peer with it.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync } from "node:fs";
import { get as httpGet } from "node:http";
import { request as httpsRequest } from "node:https";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { freePort } from "../../src/controlplane/free-port.js";
import { waitFor } from "../../src/util/wait-for.js";

export type PeerName = "replicator" | "config-syncer";

interface PeerSpec {
  /** Binary name and cache directory name. */
  binary: string;
  version: string;
  /** Where the tool comes from, for reports. */
  source: string;
  /** The command line its users run (chart/deployment defaults), out of cluster. */
  args(o: { kubeconfig: string; port: number; dir: string }): string[];
  health(port: number): { url: string; tls: boolean };
}

export const peers: Record<PeerName, PeerSpec> = {
  // mittwald/kubernetes-replicator: the Helm chart passes only -replicate-*=true (the defaults).
  // No flag changes client-go's rate limit, so it runs at client-go's default 5 QPS / burst 10.
  // -status-addr is moved off :9102 only so that several runs can share this machine.
  replicator: {
    binary: "kubernetes-replicator",
    version: "v2.12.4",
    source: "github.com/mittwald/kubernetes-replicator@v2.12.4",
    args: ({ kubeconfig, port }) => [`-kubeconfig=${kubeconfig}`, `-status-addr=127.0.0.1:${port}`],
    health: (port) => ({ url: `http://127.0.0.1:${port}/readyz`, tls: false }),
  },
  // kubeops/config-syncer (formerly appscode/kubed) is an aggregated-apiserver-style process. The
  // chart runs `run --v=3 --secure-port=8443 --audit-log-path=- --cluster-name=unicorn` (chart
  // default clusterName) with in-cluster credentials; out of cluster the same credentials come from
  // --kubeconfig and the delegated authn/authz kubeconfigs. Its own QPS/burst defaults are 1e6.
  "config-syncer": {
    binary: "config-syncer",
    version: "v0.14.0-rc.0",
    source: "github.com/kubeops/config-syncer@v0.14.0-rc.0 (vendored build, logs flag fix in the build copy)",
    args: ({ kubeconfig, port, dir }) => [
      "run",
      "--v=3",
      `--secure-port=${port}`,
      "--bind-address=127.0.0.1",
      `--cert-dir=${join(dir, "certs")}`,
      "--audit-log-path=-",
      "--cluster-name=unicorn",
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
    ],
    health: (port) => ({ url: `https://127.0.0.1:${port}/healthz`, tls: true }),
  },
};

export function peerBinary(name: PeerName, override?: string): string {
  const spec = peers[name];
  const fromEnv = process.env[`FERRY_PEER_BIN_${name.replace("-", "_").toUpperCase()}`];
  const cache = process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache");
  const path = resolve(override ?? fromEnv ?? join(cache, "ferry", "peers", `${spec.binary}-${spec.version}`, "bin", spec.binary));
  if (!existsSync(path)) {
    throw new Error(`${name}: no binary at ${path}; build ${spec.source} outside the repository (see tools/peers/README.md)`);
  }
  return path;
}

export interface StartOptions {
  name: PeerName;
  kubeconfig: string;
  /** State directory: log file, certificates (config-syncer). Created if missing. */
  dir: string;
  bin?: string;
  extraArgs?: string[];
  timeoutMs?: number;
}

export interface RunningPeer {
  name: PeerName;
  pid: number;
  args: string[];
  logPath: string;
  /** Milliseconds from spawn to the first healthy answer. */
  readyMs: number;
  child: ChildProcess;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

function healthy(url: string, tls: boolean): Promise<boolean> {
  return new Promise((done) => {
    const onResponse = (res: { statusCode?: number; resume(): void }) => {
      res.resume();
      done(res.statusCode === 200);
    };
    const req = tls ? httpsRequest(url, { rejectUnauthorized: false }, onResponse) : httpGet(url, onResponse);
    req.on("error", () => done(false));
    req.setTimeout(2000, () => req.destroy());
    if (tls) req.end();
  });
}

export async function startPeer(options: StartOptions): Promise<RunningPeer> {
  const spec = peers[options.name];
  const bin = peerBinary(options.name, options.bin);
  const dir = resolve(options.dir);
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const args = [...spec.args({ kubeconfig: resolve(options.kubeconfig), port, dir }), ...(options.extraArgs ?? [])];
  const logPath = join(dir, `${options.name}.log`);
  const log = createWriteStream(logPath, { flags: "a" });
  const started = Date.now();
  const child = spawn(bin, args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  let gone = false;
  void exited.then(() => (gone = true));
  const { url, tls } = spec.health(port);
  try {
    await waitFor(
      async () => {
        if (gone) throw new Error(`${options.name} exited (code ${child.exitCode}); see ${logPath}`);
        return healthy(url, tls);
      },
      { timeoutMs: options.timeoutMs ?? 60_000, intervalMs: 25, description: `${options.name} at ${url}` },
    );
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  const readyMs = Date.now() - started;
  return {
    name: options.name,
    pid: child.pid ?? -1,
    args,
    logPath,
    readyMs,
    child,
    async stop(graceMs = 10_000) {
      if (gone) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
      log.end();
    },
  };
}

async function main(argv: string[]): Promise<void> {
  const dash = argv.indexOf("--");
  const extraArgs = dash >= 0 ? argv.slice(dash + 1) : [];
  const own = dash >= 0 ? argv.slice(0, dash) : argv;
  const [command, name, ...rest] = own;
  const flag = (key: string) => {
    const i = rest.indexOf(key);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  if (command !== "start" || (name !== "replicator" && name !== "config-syncer")) {
    throw new Error("usage: peer.ts start replicator|config-syncer --kubeconfig PATH [--dir DIR] [--bin PATH] [-- extra flags]");
  }
  const kubeconfig = flag("--kubeconfig") ?? process.env.KUBECONFIG;
  if (!kubeconfig) throw new Error("--kubeconfig (or KUBECONFIG) is required");
  const peer = await startPeer({
    name,
    kubeconfig,
    dir: flag("--dir") ?? join(resolve(kubeconfig, ".."), `peer-${name}`),
    bin: flag("--bin"),
    extraArgs,
  });
  console.error(`${name} ready in ${peer.readyMs} ms, pid ${peer.pid}, log ${peer.logPath}`);
  console.error(`command: ${peerBinary(name, flag("--bin"))} ${peer.args.join(" ")}`);
  console.log(JSON.stringify({ name, pid: peer.pid, readyMs: peer.readyMs, log: peer.logPath, args: peer.args }));
  let stopping = false;
  const stop = () => {
    stopping = true;
    void peer.stop().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  peer.child.once("exit", (code, signal) => {
    if (stopping) return;
    console.error(`${name} exited on its own (code ${code}, signal ${signal})`);
    process.exit(1);
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error((error as Error).message);
    process.exit(1);
  });
}
