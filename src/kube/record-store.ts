// An informer's cache: a Map of records, of which the uninteresting ones may be kept packed into a
// single string (their resourceVersion). At 100,000 unrelated Secrets that is the difference
// between an object, a namespace, a name and a uid per Secret and one short string: the store's
// memory follows what Ferry needs to know of an object (it exists, and its version), not the object.
import { KeyGroups } from "../util/key-groups.js";

/** How records of type T are packed and unpacked; a record that packs to itself is kept whole. */
export interface RecordPacking<T> {
  /** The record, or its resourceVersion alone when nothing else of it matters. */
  pack(record: T): T | string;
  /** Rebuilds a packed record from its store key ("namespace/name" or "name") and version. */
  unpack(key: string, resourceVersion: string): T;
  /** The resourceVersion of a whole record. */
  versionOf(record: T): string | undefined;
}

export class RecordStore<T extends object> implements ReadonlyMap<string, T> {
  private readonly map = new Map<string, T | string>();
  /** Versions of records whose packing cannot say (no packing given). */
  private readonly versions: Map<string, string> | undefined;
  /**
   * Keys by namespace and by name, once indexKeys() asked for them: a pass over one namespace, or
   * over the copies of one name (a source's), reads those records only.
   */
  private byNamespace: KeyGroups | undefined;
  private byName: KeyGroups | undefined;

  constructor(private readonly packing?: RecordPacking<T>) {
    this.versions = packing ? undefined : new Map();
  }

  get size(): number {
    return this.map.size;
  }

  get(key: string): T | undefined {
    const value = this.map.get(key);
    return typeof value === "string" ? this.packing!.unpack(key, value) : value;
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  /** The resourceVersion last stored for this key. */
  version(key: string): string | undefined {
    if (this.versions) return this.versions.get(key);
    const value = this.map.get(key);
    if (value === undefined) return undefined;
    return typeof value === "string" ? value : this.packing!.versionOf(value);
  }

  set(key: string, record: T, resourceVersion: string | undefined): void {
    if (this.byNamespace && !this.map.has(key)) this.index(key, true);
    this.map.set(key, this.packing ? this.packing.pack(record) : record);
    if (this.versions) {
      if (resourceVersion) this.versions.set(key, resourceVersion);
      else this.versions.delete(key);
    }
  }

  delete(key: string): boolean {
    this.versions?.delete(key);
    if (this.byNamespace && this.map.has(key)) this.index(key, false);
    return this.map.delete(key);
  }

  /** Keeps keys ("namespace/name") by namespace and by name from now on, for keysIn() and keysNamed(). Idempotent. */
  indexKeys(): void {
    if (this.byNamespace) return;
    this.byNamespace = new KeyGroups();
    this.byName = new KeyGroups();
    for (const key of this.map.keys()) this.index(key, true);
  }

  /** The keys in one namespace (indexKeys() first; cluster-scoped keys are in none). */
  keysIn(namespace: string): Iterable<string> {
    if (!this.byNamespace) throw new Error("RecordStore.keysIn: the store keeps no key index");
    return this.byNamespace.get(namespace);
  }

  /** The keys of the objects of one name, in every namespace (indexKeys() first). */
  keysNamed(name: string): Iterable<string> {
    if (!this.byName) throw new Error("RecordStore.keysNamed: the store keeps no key index");
    return this.byName.get(name);
  }

  private index(key: string, add: boolean): void {
    const slash = key.indexOf("/");
    if (slash < 0) return;
    this.byNamespace!.update(key.slice(0, slash), key, add);
    this.byName!.update(key.slice(slash + 1), key, add);
  }

  *entries(): MapIterator<[string, T]> {
    for (const key of this.map.keys()) yield [key, this.get(key)!];
  }

  keys(): MapIterator<string> {
    return this.map.keys();
  }

  *values(): MapIterator<T> {
    for (const key of this.map.keys()) yield this.get(key)!;
  }

  /** Only the records kept whole (the ones whose packing kept something beyond the version). */
  *wholeValues(): Generator<T> {
    for (const value of this.map.values()) if (typeof value !== "string") yield value;
  }

  [Symbol.iterator](): MapIterator<[string, T]> {
    return this.entries();
  }

  forEach(callback: (value: T, key: string, map: ReadonlyMap<string, T>) => void): void {
    for (const [key, value] of this.entries()) callback(value, key, this);
  }
}

