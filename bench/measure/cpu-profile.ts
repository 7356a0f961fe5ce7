// Where an operator's CPU went during one scenario: V8's sampling profiler, driven through the
// inspector of a node process (Ferry started with --inspect when the bench runs with --profile),
// summarised as self time per function and per module. Also reads .cpuprofile files
// (`node --cpu-prof`) for bench/profile-top.ts.

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileSummary {
  /** Sampled milliseconds in all (idle excluded). */
  busyMs: number;
  idleMs: number;
  /** Top functions by self time: "name (file:line)" -> ms. */
  functions: Array<{ name: string; ms: number }>;
  /** Self time by module: a package, a Ferry file, node's internals, GC. */
  modules: Array<{ name: string; ms: number }>;
  /** Ferry's functions by inclusive time (themselves and what they call), each counted once per stack. */
  inclusive: Array<{ name: string; ms: number }>;
}

function moduleOf(frame: CallFrame): string {
  if (!frame.url) return frame.functionName.startsWith("(") ? frame.functionName : "(native)";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(frame.url);
  if (pkg) return pkg[1]!;
  if (frame.url.startsWith("node:")) return "node:" + frame.url.slice(5).split("/")[0];
  const own = /\/(src|dist\/src)\/(.+)$/.exec(frame.url);
  return own ? `ferry ${own[2]!.replace(/\.js$/, ".ts")}` : frame.url.split("/").slice(-2).join("/");
}

export function summarize(profile: CpuProfile, top = 12): ProfileSummary {
  // Self time per node from the samples and their time deltas (µs).
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) selfUs.set(samples[i]!, (selfUs.get(samples[i]!) ?? 0) + (deltas[i + 1] ?? deltas[i] ?? 0));
  const functions = new Map<string, number>();
  const modules = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    if (us === 0) continue;
    const frame = node.callFrame;
    if (frame.functionName === "(idle)") {
      idle += us;
      continue;
    }
    busy += us;
    const file = frame.url ? `${moduleOf(frame)}:${frame.lineNumber + 1}` : "";
    const name = `${frame.functionName || "(anonymous)"}${file ? ` (${file})` : ""}`;
    functions.set(name, (functions.get(name) ?? 0) + us);
    const module = moduleOf(frame);
    modules.set(module, (modules.get(module) ?? 0) + us);
  }
  // Inclusive time: walk every stack from the root; a function counts once per stack (recursion).
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const childIds = new Set(profile.nodes.flatMap((node) => node.children ?? []));
  const inclusive = new Map<string, number>();
  const walk = (id: number, open: Map<string, number>): number => {
    const node = byId.get(id)!;
    const frame = node.callFrame;
    const own = frame.url.includes("/src/") ? `${frame.functionName || "(anonymous)"} (${moduleOf(frame)}:${frame.lineNumber + 1})` : undefined;
    const first = own !== undefined && !open.has(own);
    if (first) open.set(own, 0);
    let total = frame.functionName === "(idle)" ? 0 : (selfUs.get(id) ?? 0);
    for (const child of node.children ?? []) total += walk(child, open);
    if (first) {
      open.delete(own);
      inclusive.set(own, (inclusive.get(own) ?? 0) + total);
    }
    return total;
  };
  for (const node of profile.nodes) if (!childIds.has(node.id)) walk(node.id, new Map());
  const topOf = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: Math.round(us / 100) / 10 }));
  return { busyMs: Math.round(busy / 1000), idleMs: Math.round(idle / 1000), functions: topOf(functions), modules: topOf(modules), inclusive: topOf(inclusive) };
}

/** A CPU profile of a node process's main thread through its inspector (http://host:port). */
export class InspectorProfiler {
  private socket: WebSocket | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, (result: unknown) => void>();
  private chunks: string[] | undefined;

  constructor(private readonly inspectorUrl: string) {}

  private async connect(): Promise<WebSocket> {
    if (this.socket) return this.socket;
    const targets = (await (await fetch(`${this.inspectorUrl}/json/list`)).json()) as Array<{ webSocketDebuggerUrl: string }>;
    const socket = new WebSocket(targets[0]!.webSocketDebuggerUrl);
    await new Promise<void>((resolve, reject) => {
      socket.onopen = () => resolve();
      socket.onerror = () => reject(new Error(`inspector at ${this.inspectorUrl} refused the connection`));
    });
    socket.onmessage = (message) => {
      const data = JSON.parse(String(message.data)) as { id?: number; result?: unknown; method?: string; params?: { chunk?: string } };
      if (data.id !== undefined) this.pending.get(data.id)?.(data.result);
      else if (data.method === "HeapProfiler.addHeapSnapshotChunk") this.chunks?.push(data.params?.chunk ?? "");
    };
    this.socket = socket;
    return socket;
  }

  private async send(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const socket = await this.connect();
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      socket.send(JSON.stringify({ id, method, params }));
    });
  }

  async start(): Promise<void> {
    await this.send("Profiler.enable");
    await this.send("Profiler.setSamplingInterval", { interval: 500 });
    await this.send("Profiler.start");
  }

  /** Lets a process started with --inspect-brk run (after start(), so that its start-up is in the profile). */
  async release(): Promise<void> {
    await this.send("Runtime.runIfWaitingForDebugger");
  }

  /** A heap snapshot of the process (JSON text; V8 collects garbage first). */
  async heapSnapshot(): Promise<string> {
    this.chunks = [];
    await this.send("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
    const text = this.chunks.join("");
    this.chunks = undefined;
    return text;
  }

  async stop(): Promise<CpuProfile> {
    const result = (await this.send("Profiler.stop")) as { profile: CpuProfile };
    return result.profile;
  }

  close(): void {
    this.socket?.close();
    this.socket = undefined;
  }
}
