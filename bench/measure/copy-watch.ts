// Sees copies appear and change as any client of the apiserver does, whoever writes them: one
// watch per object name (a field selector), cluster-wide, from now on. Every operator's copies
// carry the source's name and data, so the same watch measures Ferry, the peers and the raw
// writes alike. Records, per name and namespace, the last value of the `token` key and when it
// was seen.
import type { KubeClient } from "../../src/kube/client.js";
import { sleep } from "./numbers.js";

export interface Sighting {
  name: string;
  namespace: string;
  /** data.token as written (base64), undefined for a deletion. */
  value: string | undefined;
  at: number;
}

interface WatchEvent {
  type: string;
  object: { metadata?: { name?: string; namespace?: string; resourceVersion?: string }; data?: Record<string, string>; code?: number };
}

export class CopyWatch {
  private readonly latest = new Map<string, Map<string, Sighting>>();
  private readonly aborts: AbortController[] = [];
  private readonly streams: Promise<unknown>[] = [];
  private readonly listeners = new Set<(s: Sighting) => void>();

  constructor(
    private readonly client: KubeClient,
    /** Namespaces whose objects are sources, not copies. */
    private readonly ignoreNamespaces: ReadonlySet<string> = new Set(),
  ) {}

  /** Starts watching objects of this name (Secrets) from now on; resolves once the watch is open. */
  async track(name: string): Promise<void> {
    if (this.latest.has(name)) return;
    this.latest.set(name, new Map());
    await this.open({ fieldSelector: `metadata.name=${name}` }, (event) => this.seen(name, event));
  }

  /** Watches (and parses) every Secret labelled key=value from now on, as a controller watches what it owns; records nothing. */
  async trackLabel(key: string, value: string): Promise<void> {
    await this.open({ labelSelector: `${key}=${value}` }, () => undefined);
  }

  /**
   * Lists (for the starting version) and watches from there, for as long as the bench runs. A
   * watch the apiserver ends (a slow reader's is closed under load) resumes from the last version
   * seen; one that expired (410) lists again and counts every object listed as seen now. Before,
   * an ended watch stopped for good and a scenario waited for its deadline.
   */
  private async open(selector: { fieldSelector?: string; labelSelector?: string }, onEvent: (event: WatchEvent) => void): Promise<void> {
    const list = await this.client.get<{ metadata: { resourceVersion: string } }>("/api/v1/secrets", { query: { limit: 1, ...selector } });
    const abort = new AbortController();
    this.aborts.push(abort);
    let opened!: () => void;
    const open = new Promise<void>((resolve) => (opened = resolve));
    const run = async () => {
      let version = list.metadata.resourceVersion;
      while (!abort.signal.aborted) {
        if (!version) {
          const all = await this.client.get<{ metadata: { resourceVersion: string }; items: WatchEvent["object"][] }>("/api/v1/secrets", { query: selector, signal: abort.signal }).catch(() => undefined);
          if (!all) {
            await sleep(200);
            continue;
          }
          for (const object of all.items) onEvent({ type: "MODIFIED", object });
          version = all.metadata.resourceVersion;
        }
        await this.client
          .stream(
            "/api/v1/secrets",
            { query: { watch: true, ...selector, resourceVersion: version, allowWatchBookmarks: false, timeoutSeconds: 86_400 }, signal: abort.signal, timeoutMs: 86_400_000 },
            (raw) => {
              const event = raw as WatchEvent;
              if (event.type === "ERROR") {
                if (event.object.code === 410) version = "";
                return;
              }
              version = event.object.metadata?.resourceVersion ?? version;
              onEvent(event);
            },
            () => opened(),
          )
          .catch((error: { status?: number }) => {
            if (error.status === 410) version = "";
          });
        if (!abort.signal.aborted) await sleep(100);
      }
    };
    this.streams.push(run());
    await Promise.race([open, sleep(5000)]);
  }

  private seen(name: string, event: WatchEvent): void {
    const namespace = event.object.metadata?.namespace ?? "";
    if (this.ignoreNamespaces.has(namespace) || (event.type !== "ADDED" && event.type !== "MODIFIED" && event.type !== "DELETED")) return;
    const sighting: Sighting = { name, namespace, value: event.type === "DELETED" ? undefined : event.object.data?.token, at: Date.now() };
    this.latest.get(name)!.set(namespace, sighting);
    for (const listener of this.listeners) listener(sighting);
  }

  /** Calls `listener` for every sighting from now on; returns its removal. */
  listen(listener: (s: Sighting) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Namespaces whose object of this name now holds `value`. */
  holding(name: string, value: string): Sighting[] {
    return [...(this.latest.get(name)?.values() ?? [])].filter((s) => s.value === value);
  }

  /** Waits until `count` namespaces hold `value` under `name`; returns the sightings (last one = done), or undefined at the deadline. */
  async waitHolding(name: string, value: string, count: number, deadline: number): Promise<Sighting[] | undefined> {
    for (;;) {
      const holding = this.holding(name, value);
      if (holding.length >= count) return holding.sort((a, b) => a.at - b.at);
      if (Date.now() >= deadline) return undefined;
      await sleep(count - holding.length > 100 ? 50 : 5);
    }
  }

  async stop(): Promise<void> {
    for (const abort of this.aborts) abort.abort();
    await Promise.all(this.streams);
  }
}
