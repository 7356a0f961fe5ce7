// When a new namespace has all its copies: every source that selects it is present there with
// its current value, as the copy watch sees it.
import type { CopyWatch } from "../measure/copy-watch.js";

export class NamespaceArrivals {
  private readonly created = new Map<string, number>();
  private readonly arrived = new Map<string, Set<string>>();
  private readonly done = new Map<string, number>();
  private readonly stop: () => void;

  /** `expected`: source name -> the value its copies hold now. */
  constructor(
    watch: CopyWatch,
    private readonly expected: ReadonlyMap<string, string>,
  ) {
    this.stop = watch.listen((s) => {
      if (!this.created.has(s.namespace) || this.done.has(s.namespace) || this.expected.get(s.name) !== s.value) return;
      let names = this.arrived.get(s.namespace);
      if (!names) this.arrived.set(s.namespace, (names = new Set()));
      names.add(s.name);
      if (names.size === this.expected.size) this.done.set(s.namespace, s.at);
    });
  }

  /** The namespace is being created now (call right before the create request). */
  creating(namespace: string, at = Date.now()): void {
    this.created.set(namespace, at);
  }

  /** Milliseconds from create to its last copy, if complete. */
  latency(namespace: string): number | undefined {
    const done = this.done.get(namespace);
    return done === undefined ? undefined : done - this.created.get(namespace)!;
  }

  /** Copies still missing over every namespace created so far. */
  missing(): number {
    let missing = 0;
    for (const namespace of this.created.keys()) missing += this.expected.size - (this.arrived.get(namespace)?.size ?? 0);
    return missing;
  }

  complete(): number {
    return this.done.size;
  }

  close(): void {
    this.stop();
  }
}
