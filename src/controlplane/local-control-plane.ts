// A real Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager) run as local
// processes on 127.0.0.1. Its state lives in one directory (state.json records ports, pids and
// command lines), so any process - the CLI, the test runner, a test file - can attach to it,
// restart a component, read the apiserver's /metrics, or tear it down.
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { get as httpGet } from "node:http";
import { join, resolve } from "node:path";
import { delay, waitFor } from "../util/wait-for.js";
import { auditArgs, readAuditLog, type AuditEvent } from "./audit-log.js";
import { componentBinary, prepareControlPlane, startOrder, type ComponentName, type ControlPlaneState } from "./layout.js";
import { tokenWebhookArgs, type TokenWebhook } from "./token-webhook.js";
export { SERVICE_ACCOUNT_ISSUER } from "./layout.js";

export interface UpOptions {
  /** Directory that holds certificates, data, logs and the kubeconfig. Created if missing. */
  dir: string;
  /** Extra kube-apiserver flags, e.g. ["--max-requests-inflight=5"]. */
  apiserverArgs?: string[];
  /**
   * Authenticate bearer tokens with a TokenReview webhook too, as EKS, GKE and AKS do in front of
   * their API servers (--authentication-token-webhook-config-file). Off by default.
   */
  tokenWebhook?: TokenWebhook;
  /** Timeout for the whole start, in ms (default 120 s). */
  timeoutMs?: number;
  /** Write the apiserver's audit log (src/controlplane/audit-log.ts; off by default). */
  audit?: boolean;
}

function isAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export type { ComponentName } from "./layout.js";

export class LocalControlPlane {
  readonly dir: string;
  private state: ControlPlaneState;

  private constructor(dir: string, state: ControlPlaneState) {
    this.dir = dir;
    this.state = state;
  }
  /** The process id of a running component (benchmarks read its CPU time). */
  pid(name: ComponentName): number | undefined {
    return this.state.pids[name];
  }


  get kubeconfigPath(): string {
    return join(this.dir, "kubeconfig");
  }

  /** etcd's client URL (its HTTP gateway serves /v3/kv/*, used by tests to compact history). */
  get etcdUrl(): string {
    return `http://127.0.0.1:${this.state.ports.etcdClient}`;
  }

  get server(): string {
    return `https://127.0.0.1:${this.state.ports.apiserver}`;
  }

  /**
   * Builds the binaries if needed, writes certificates and starts all three components. A port
   * taken by someone else between choosing it and binding it is retried with new ports.
   */
  static async up(options: UpOptions): Promise<LocalControlPlane> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await LocalControlPlane.upOnce(options);
      } catch (error) {
        if (attempt >= 3 || !/address already in use/.test((error as Error).message)) throw error;
      }
    }
  }

  private static async upOnce(options: UpOptions): Promise<LocalControlPlane> {
    const dir = resolve(options.dir);
    if (existsSync(join(dir, "state.json"))) {
      const existing = LocalControlPlane.attach(dir);
      if (existing.running().length === startOrder.length) return existing;
      await existing.down();
    }
    if (options.tokenWebhook) mkdirSync(join(dir, "pki"), { recursive: true });
    const webhookArgs = options.tokenWebhook ? tokenWebhookArgs(join(dir, "pki"), options.tokenWebhook) : [];
    const apiserverArgs = [...(options.audit ? auditArgs(dir) : []), ...webhookArgs, ...(options.apiserverArgs ?? [])];
    const plane = new LocalControlPlane(dir, { ...(await prepareControlPlane(dir, apiserverArgs)), pids: {} });
    plane.save();
    try {
      for (const name of startOrder) await plane.start(name, options.timeoutMs ?? 120_000);
      await waitFor(() => plane.defaultServiceAccountExists(), {
        timeoutMs: options.timeoutMs ?? 120_000,
        description: "the default ServiceAccount in namespace default (controller manager running)",
      });
    } catch (error) {
      const logs = plane.logTails();
      await plane.down({ keepDir: true });
      throw new Error(`control plane failed to start: ${(error as Error).message}\n${logs}`, { cause: error });
    }
    return plane;
  }

  /** Attaches to a control plane started by another process (reads DIR/state.json). */
  static attach(dir: string): LocalControlPlane {
    const abs = resolve(dir);
    const state = JSON.parse(readFileSync(join(abs, "state.json"), "utf8")) as ControlPlaneState;
    return new LocalControlPlane(abs, state);
  }

  /** Names of components whose process is alive. */
  running(): ComponentName[] {
    return startOrder.filter((name) => isAlive(this.state.pids[name]));
  }

  /** Stops every component; removes the directory unless keepDir. */
  async down(options: { keepDir?: boolean } = {}): Promise<void> {
    for (const name of [...startOrder].reverse()) await this.stop(name);
    if (!options.keepDir) rmSync(this.dir, { recursive: true, force: true });
  }

  /** Stops one component (the signal, then SIGKILL after 3 s: graceful apiserver shutdown takes 10+ s). */
  async stop(name: ComponentName, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    const pid = this.state.pids[name];
    if (isAlive(pid)) {
      process.kill(pid!, signal);
      try {
        await waitFor(() => !isAlive(pid), { timeoutMs: 3_000, intervalMs: 25, description: `${name} to exit` });
      } catch {
        if (isAlive(pid)) process.kill(pid!, "SIGKILL");
        await waitFor(() => !isAlive(pid), { timeoutMs: 5_000, intervalMs: 25, description: `${name} to die` });
      }
    }
    delete this.state.pids[name];
    this.save();
  }

  /** Starts one component with its recorded flags and waits until it is healthy. */
  async start(name: ComponentName, timeoutMs = 60_000): Promise<void> {
    if (isAlive(this.state.pids[name])) return;
    const log = openSync(join(this.dir, "logs", `${name}.log`), "a");
    const child = spawn(join(this.state.binDir, componentBinary[name]), this.state.args[name], {
      detached: true,
      stdio: ["ignore", log, log],
    });
    closeSync(log);
    child.unref();
    if (!child.pid) throw new Error(`could not start ${name}`);
    this.state.pids[name] = child.pid;
    this.save();
    let exited = false;
    await waitFor(
      async () => {
        exited = !isAlive(child.pid);
        return exited || this.healthy(name);
      },
      { timeoutMs, description: `${name} to become healthy` },
    );
    if (exited) throw new Error(`${name} exited; see ${join(this.dir, "logs", `${name}.log`)}`);
  }

  /** Restarts one component the way a crash does (SIGKILL), then waits until it is healthy. */
  async restart(name: ComponentName): Promise<void> {
    await this.stop(name, "SIGKILL");
    await this.start(name);
  }

  restartApiserver(): Promise<void> {
    return this.restart("apiserver");
  }

  restartEtcd(): Promise<void> {
    return this.restart("etcd");
  }

  /** The apiserver's Prometheus text exposition (/metrics), read as admin. */
  async apiserverMetrics(): Promise<string> {
    const response = await this.apiserverGet("/metrics");
    if (response.status !== 200) throw new Error(`GET /metrics returned ${response.status}`);
    return response.body;
  }

  /** GET a path on the apiserver as admin (client certificate). */
  apiserverGet(path: string): Promise<{ status: number; body: string }> {
    const pki = join(this.dir, "pki");
    return new Promise((resolvePromise, reject) => {
      const req = httpsRequest(
        {
          host: "127.0.0.1",
          port: this.state.ports.apiserver,
          path,
          method: "GET",
          ca: readFileSync(join(pki, "ca.crt")),
          cert: readFileSync(join(pki, "admin.crt")),
          key: readFileSync(join(pki, "admin.key")),
          timeout: 10_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => resolvePromise({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        },
      );
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", reject);
      req.end();
    });
  }

  /** The apiserver's audit log so far (empty unless started with `audit`). */
  auditEvents(): AuditEvent[] {
    return readAuditLog(this.dir);
  }

  /** Recent lines of each component's log, for error messages. */
  logTails(lines = 15): string {
    return startOrder
      .map((name) => {
        const path = join(this.dir, "logs", `${name}.log`);
        if (!existsSync(path)) return "";
        const tail = readFileSync(path, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
        return `--- ${name} (${path}) ---\n${tail}`;
      })
      .join("\n");
  }

  private async healthy(name: ComponentName): Promise<boolean> {
    try {
      if (name === "etcd") {
        const body = await plainGet(`http://127.0.0.1:${this.state.ports.etcdClient}/health`);
        return body.includes('"health":"true"');
      }
      if (name === "apiserver") {
        const response = await this.apiserverGet("/readyz");
        return response.status === 200;
      }
      return (await insecureGet(this.state.ports.controllerManager, "/healthz")) === 200;
    } catch {
      await delay(0);
      return false;
    }
  }

  private async defaultServiceAccountExists(): Promise<boolean> {
    const response = await this.apiserverGet("/api/v1/namespaces/default/serviceaccounts/default");
    return response.status === 200;
  }

  private save(): void {
    writeFileSync(join(this.dir, "state.json"), JSON.stringify(this.state, null, 2));
  }
}

function plainGet(url: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const req = httpGet(url, { timeout: 5_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolvePromise(Buffer.concat(chunks).toString("utf8")));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
  });
}

/** The controller manager serves /healthz with a self-signed certificate of its own. */
function insecureGet(port: number, path: string): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const req = httpsRequest(
      { host: "127.0.0.1", port, path, method: "GET", rejectUnauthorized: false, timeout: 5_000 },
      (res) => {
        res.resume();
        resolvePromise(res.statusCode ?? 0);
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}
