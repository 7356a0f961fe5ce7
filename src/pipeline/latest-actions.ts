// The action the latest plan wants at each target key, also by namespace and by copy name: a
// pass over some namespaces, or over the copies of some names (a source's), replaces their actions
// at the cost of those actions, not of every action pending (during a storm of new namespaces
// tens of thousands are).
import { copyNameKey } from "../core/partial-plan.js";
import type { Action } from "../core/types.js";
import { KeyGroups } from "../util/key-groups.js";

const namespaceOf = (action: Action) => (action.type === "delete" ? action.namespace : action.desired.namespace);
const nameKeyOf = (action: Action) => (action.type === "delete" ? copyNameKey(action.kind, action.name) : copyNameKey(action.desired.kind, action.desired.name));

export class LatestActions {
  private readonly actions = new Map<string, Action>();
  private readonly byNamespace = new KeyGroups();
  private readonly byName = new KeyGroups();

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
    if (previous) this.index(previous, false);
    this.actions.set(action.key, action);
    this.index(action, true);
  }

  delete(key: string): void {
    const action = this.actions.get(key);
    if (!action) return;
    this.actions.delete(key);
    this.index(action, false);
  }

  /** Every action, replaced by these. */
  replaceAll(actions: readonly Action[]): void {
    this.actions.clear();
    this.byNamespace.clear();
    this.byName.clear();
    for (const action of actions) this.set(action);
  }

  /** The keys of the actions in one namespace (a copy of them: deleting while iterating is safe). */
  keysIn(namespace: string): string[] {
    return [...this.byNamespace.get(namespace)];
  }

  /** The keys of the actions on copies of one name (copyNameKey), in every namespace (a copy of them). */
  keysNamed(nameKey: string): string[] {
    return [...this.byName.get(nameKey)];
  }

  private index(action: Action, add: boolean): void {
    this.byNamespace.update(namespaceOf(action), action.key, add);
    this.byName.update(nameKeyOf(action), action.key, add);
  }
}
