// The data keys of the unmanaged objects a takeover proof needs to see whole (a
// kubernetes-replicator copy is one only if its data holds exactly the keys its marks list):
// PlanResult.dataKeysWanted. Read in full once per resourceVersion the watch shows, kept as
// their key names only (never their values), forgotten when no plan wants them.
import type { ObservedObject } from "../core/types.js";
import type { KubeClient } from "../kube/client.js";
import type { KubeObject } from "../kube/informer.js";
import type { Logger } from "../ops/logger.js";
import { FullReads } from "./full-reads.js";

interface Entry {
  /** The resourceVersion the watch showed when the read was asked for: not asked again for it. */
  askedAt?: string;
  /** What the read returned (undefined until it did). */
  read?: { resourceVersion?: string; keys: readonly string[] };
}

/** Sorted names of an object's `data` and `binaryData`. */
export function dataKeysOf(object: KubeObject): string[] {
  const data = (object.data as Record<string, unknown> | undefined) ?? {};
  const binary = (object.binaryData as Record<string, unknown> | undefined) ?? {};
  return [...Object.keys(data), ...Object.keys(binary)].sort();
}

export class TargetReads {
  private readonly entries = new Map<string, Entry>();
  private readonly known = new Map<string, { resourceVersion?: string; keys: readonly string[] }>();
  private readonly reads: FullReads;

  constructor(client: KubeClient, log: Logger, loaded: () => void) {
    this.reads = new FullReads(client, log, "target", loaded);
  }

  /** PlanInput.dataKeys. */
  get dataKeys(): ReadonlyMap<string, { resourceVersion?: string; keys: readonly string[] }> {
    return this.known;
  }

  /**
   * Reads the wanted objects not read at the version the watch shows. After a full pass
   * (`complete`), objects no longer wanted are forgotten.
   */
  want(wanted: readonly string[], observed: (key: string) => ObservedObject | undefined, complete: boolean): void {
    for (const key of wanted) {
      const version = observed(key)?.resourceVersion;
      const entry = this.entries.get(key) ?? {};
      if (entry.askedAt === version && (entry.read !== undefined || this.reads.isLoading(key))) continue;
      entry.askedAt = version;
      this.entries.set(key, entry);
      this.reads.read(key, (object) => {
        if (!object) {
          // Gone: the watch will say so; not asked again at this version meanwhile.
          entry.read = { keys: [] };
          this.known.delete(key);
          return;
        }
        const read = { resourceVersion: object.metadata.resourceVersion, keys: dataKeysOf(object) };
        entry.read = read;
        this.known.set(key, read);
      });
    }
    if (!complete) return;
    const still = new Set(wanted);
    for (const key of [...this.entries.keys()]) {
      if (still.has(key) || this.reads.isLoading(key)) continue;
      this.entries.delete(key);
      this.known.delete(key);
      this.reads.forget(key);
    }
  }
}
