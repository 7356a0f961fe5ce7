// The action the latest plan wants at each target key, also by namespace: a focused pass replaces
// the actions of its namespaces at the cost of those namespaces, not of every action pending
// (during a storm of new namespaces tens of thousands are).
import type { Action } from "../core/types.js";

const namespaceOf = (action: Action) => (action.type === "delete" ? action.namespace : action.desired.namespace);

export class LatestActions {
  private readonly actions = new Map<string, Action>();
  private readonly byNamespace = new Map<string, Set<string>>();

  get(key: string): Action | undefined {
    return this.actions.get(key);
  }

  has(key: string): boolean {
    return this.actions.has(key);
  }

  keys(): MapIterator<string> {
    return this.actions.keys();
  }

  set(action: Action): void {
    const previous = this.actions.get(action.key);
    if (previous && namespaceOf(previous) !== namespaceOf(action)) this.unindex(previous);
    this.actions.set(action.key, action);
    const namespace = namespaceOf(action);
    const keys = this.byNamespace.get(namespace);
    if (keys) keys.add(action.key);
    else this.byNamespace.set(namespace, new Set([action.key]));
  }

  delete(key: string): void {
    const action = this.actions.get(key);
    if (!action) return;
    this.actions.delete(key);
    this.unindex(action);
  }

  /** Every action, replaced by these. */
  replaceAll(actions: readonly Action[]): void {
    this.actions.clear();
    this.byNamespace.clear();
    for (const action of actions) this.set(action);
  }

  /** The keys of the actions in one namespace (a copy of them: deleting while iterating is safe). */
  keysIn(namespace: string): string[] {
    return [...(this.byNamespace.get(namespace) ?? [])];
  }

  private unindex(action: Action): void {
    const namespace = namespaceOf(action);
    const keys = this.byNamespace.get(namespace);
    if (!keys) return;
    keys.delete(action.key);
    if (keys.size === 0) this.byNamespace.delete(namespace);
  }
}
