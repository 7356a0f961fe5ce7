// Copies held while the object that asked for them cannot be read. An edit that makes an object
// unreadable (an unparsable list or selector, an invalid regular expression, a kind the format
// does not have) must not cost its copies, and a restart must not change that answer (invariant
// 7). So nothing is remembered: the copies of an unreadable object's rules are found by their
// rule-id annotation (core/rule-id.ts: every rule id starts with its origin's id) and left as they
// are, neither updated nor pruned, until the object is readable again (its rules then decide) or
// deleted (its copies are then pruned, invariant 3). Errors that describe a state (a Template or
// source that is gone, a list emptied on purpose) hold nothing. Pure.
import { RULE_ID_ANNOTATION } from "./marks.js";
import { isRuleOf, originId } from "./rule-id.js";
import type { HeldCopies, ObservedObject, ParseResult, RuleError, RuleOrigin } from "./types.js";

/** The origin of a parse result that cannot be read (an error that is not a state), if any. */
export function unreadableOrigin(result: ParseResult): RuleOrigin | undefined {
  return result.errors.find((error) => error.describesState !== true)?.origin;
}

/** Finds, for a copy, the unreadable object whose rule made it. */
export class HeldOrigins {
  private readonly byId = new Map<string, RuleOrigin>();

  constructor(origins: Iterable<RuleOrigin>) {
    for (const origin of origins) this.byId.set(originId(origin), origin);
  }

  /** The unreadable origin whose rule made this copy, if any. */
  holderOf(copy: ObservedObject): RuleOrigin | undefined {
    if (this.byId.size === 0) return undefined;
    const id = copy.annotations[RULE_ID_ANNOTATION];
    if (id === undefined) return undefined;
    // An origin id has three parts (cluster-scoped origin) or four (namespaced).
    const parts = id.split("/");
    for (const length of [3, 4]) {
      const prefix = parts.slice(0, length).join("/");
      const origin = this.byId.get(prefix);
      if (origin && isRuleOf(id, prefix)) return origin;
    }
    return undefined;
  }
}

/** Counts held copies per origin, for the plan's result. */
export class HeldCount {
  private readonly counts = new Map<RuleOrigin, number>();

  add(origin: RuleOrigin): void {
    this.counts.set(origin, (this.counts.get(origin) ?? 0) + 1);
  }

  result(): HeldCopies[] | undefined {
    if (this.counts.size === 0) return undefined;
    return [...this.counts].map(([origin, copies]) => ({ origin, copies }));
  }
}

/** The error (an Event, a status condition) that says an object's copies are held, and why. */
export function heldCopiesError(held: HeldCopies): RuleError {
  const copies = held.copies === 1 ? "1 copy" : `${held.copies} copies`;
  return {
    origin: held.origin,
    reason: "CopiesHeld",
    message: `${copies} made by this object's rules ${held.copies === 1 ? "is" : "are"} held: neither updated nor pruned while the object cannot be read; fix it, or delete it to remove them`,
    describesState: true,
  };
}
