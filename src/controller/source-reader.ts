// Sources read in full, only when a rule refers to them: the watches keep Secrets as metadata, so
// a rule's source is fetched once and again only when its resourceVersion moves. A failed read is
// retried with backoff (never given up, never hot); sources no rule refers to are forgotten.
import { objectKey, type SourceState } from "../core/plan.js";
import type { ObservedObject, Rule, SourceKind, SourceObject } from "../core/types.js";
import type { KubeClient } from "../kube/client.js";
import { sourceObject } from "../kube/observed-records.js";
import type { Logger } from "../ops/logger.js";
import { FullReads } from "./full-reads.js";
import type { ObservedState } from "./observed-state.js";

export class SourceReader {
  private readonly sources = new Map<string, SourceState>();
  private readonly reads: FullReads;

  constructor(
    client: KubeClient,
    private readonly state: ObservedState,
    log: Logger,
    /** A read of the source `key` ("Kind/namespace/name") finished (or will be retried): plan its copies again. */
    loaded: (key: string) => void,
  ) {
    this.reads = new FullReads(client, log, "source", loaded);
  }

  /** A Secret/ConfigMap changed; true when it is a source some rule uses (it is read again if it moved). */
  changed(kind: SourceKind, storeKey: string, current: ObservedObject | undefined): boolean {
    const key = `${kind}/${storeKey}`;
    const known = this.sources.get(key);
    if (known === undefined) return false;
    if (!current) this.sources.set(key, "missing");
    else if (known === "missing" || (typeof known === "object" && known.resourceVersion !== current.resourceVersion)) this.load(kind, key);
    return true;
  }

  /** The state of every rule's source for plan(); objects of the overlay stand in for the cluster's. */
  states(rules: readonly Rule[], overlay: readonly SourceObject[]): Map<string, SourceState> {
    const states = new Map<string, SourceState>();
    for (const rule of rules) {
      if (rule.source.inline) continue;
      const key = objectKey(rule.source.kind, rule.source.namespace, rule.source.name);
      if (states.has(key)) continue;
      const overlaid = overlay.find((o) => objectKey(o.kind, o.namespace, o.name) === key);
      if (overlaid) {
        states.set(key, overlaid);
        continue;
      }
      const storeKey = `${rule.source.namespace}/${rule.source.name}`;
      // A rule may name one of our copies as its source (refused as SourceIsCopy once read).
      const meta = this.state.object(rule.source.kind, storeKey) ?? this.state.copy(rule.source.kind, storeKey);
      let state = this.sources.get(key);
      if (!meta) state = "missing";
      else if (state === undefined || state === "missing" || state === "unknown" || state.resourceVersion !== meta.resourceVersion) {
        this.load(rule.source.kind, key);
        if (state === undefined || state === "missing") state = "unknown";
      }
      this.sources.set(key, state);
      states.set(key, state);
    }
    // Forget sources no rule refers to any more.
    for (const key of this.sources.keys()) {
      if (!states.has(key) && !this.reads.isLoading(key)) {
        this.sources.delete(key);
        this.reads.forget(key);
      }
    }
    return states;
  }

  private load(kind: SourceKind, key: string): void {
    this.reads.read(key, (object) => this.sources.set(key, object ? sourceObject(kind, object) : "missing"));
  }
}
