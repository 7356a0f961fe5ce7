// Rule ids, the one format every dialect uses: `<dialect>/<kind>/<namespace>/<name>` for a
// namespaced origin, `<dialect>/<kind>/<name>` for a cluster-scoped one, then `/<suffix>` parts
// when one origin yields several rules. Object names never contain "/", so ids cannot collide
// across origins, and every rule of an origin has the origin's own id as its prefix: which is how
// the copies of an object's rules are found from the object alone (core/held-copies.ts). Pure.
import type { RuleOrigin } from "./types.js";

export function ruleId(dialect: string, kind: string, namespace: string | undefined, name: string, ...suffix: string[]): string {
  const parts = [dialect, kind];
  if (namespace) parts.push(namespace);
  parts.push(name, ...suffix);
  return parts.join("/");
}

/** The id prefix of every rule an origin yields. */
export function originId(origin: Pick<RuleOrigin, "dialect" | "kind" | "namespace" | "name">): string {
  return ruleId(origin.dialect, origin.kind, origin.namespace, origin.name);
}

/** Is `id` the id of a rule of the origin whose id is `origin`? */
export function isRuleOf(id: string, origin: string): boolean {
  return id === origin || (id.length > origin.length && id.startsWith(origin) && id[origin.length] === "/");
}
