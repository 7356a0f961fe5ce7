// Keys grouped by one part of them (a namespace, a copy name): the indexes that let a pass over
// one namespace, or over the copies of one name, touch only those keys.
export class KeyGroups {
  private readonly groups = new Map<string, Set<string>>();

  get(part: string): Iterable<string> {
    return this.groups.get(part) ?? [];
  }

  update(part: string, key: string, add: boolean): void {
    const keys = this.groups.get(part);
    if (add) {
      if (keys) keys.add(key);
      else this.groups.set(part, new Set([key]));
    } else if (keys) {
      keys.delete(key);
      if (keys.size === 0) this.groups.delete(part);
    }
  }

  clear(): void {
    this.groups.clear();
  }
}
