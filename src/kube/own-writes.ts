// Which watch events carry news for an informer that also records Ferry's own writes. The API
// promises nothing about resourceVersions but equality, so versions are never ordered here; the
// order comes from the watch itself, which delivers each object's changes in the order they
// happened. After our write returned version W (conditioned on the version B the store held), the
// watch still has to deliver W: whatever it delivers for that key before W is older than W and
// is skipped; W itself is known; anything after W is news. Pure.

export class OwnWrites {
  /** Per key: the version of our write that the watch has not delivered yet. */
  private readonly pending = new Map<string, string>();

  /**
   * Our write of `key` returned `written`; it was conditioned on `basedOn` (undefined: a create),
   * and the store now holds `known`. Returns whether the store should take the written object:
   * not when the watch has moved on since the write was planned (it delivered our write, or
   * someone else's change after it, before our response arrived). A store that does not hold the
   * key takes it whatever the write was conditioned on: the object just entered this watch's
   * selection (e.g. an object Ferry took over is now labelled as its copy).
   */
  recordWrite(key: string, written: string | undefined, basedOn: string | undefined, known: string | undefined): boolean {
    if (written === undefined) return true;
    if (known !== undefined && known !== basedOn) return false;
    this.pending.set(key, written);
    return true;
  }

  /** Whether a watch event of `key` at `version` is news, the store holding `known`. */
  isNews(key: string, version: string | undefined, known: string | undefined): boolean {
    const ours = this.pending.get(key);
    if (ours !== undefined && version !== undefined) {
      if (version === ours) this.pending.delete(key);
      return false;
    }
    return version === undefined || version !== known;
  }

  /** The key is gone (deleted, or our write of it was undone): nothing is pending for it. */
  forget(key: string): void {
    this.pending.delete(key);
  }

  /** A relist replaced the store: it is the truth, nothing is pending. */
  clear(): void {
    this.pending.clear();
  }
}
