// What the rest of Ferry reads from a set of dialects: their trigger keys, their original tools'
// copy marks, the keys worth keeping of an unrelated object, and selection by name. Pure.
import type { CopyMarks } from "../core/types.js";
import type { Dialect } from "./dialect.js";

/** Every trigger key (or "prefix/") of the given dialects, deduplicated and sorted. */
export function triggerKeysOf(dialects: readonly Dialect[]): string[] {
  const keys = new Set<string>();
  for (const dialect of dialects) for (const key of dialect.triggerKeys) keys.add(key);
  return [...keys].sort();
}

/** The copy marks of each dialect's original tool, by dialect name (PlanInput.copyMarks). */
export function copyMarksOf(dialects: readonly Dialect[]): Map<string, CopyMarks> {
  const marks = new Map<string, CopyMarks>();
  for (const dialect of dialects) if (dialect.copyMarks) marks.set(dialect.name, dialect.copyMarks);
  return marks;
}

/**
 * The label/annotation keys of an object Ferry must remember even when it only watches its
 * metadata: trigger keys (the object may be a source) and copy marks (it may be a peer's copy).
 */
export function relevantKeys(triggerKeys: readonly string[], copyMarks: ReadonlyMap<string, CopyMarks>): string[] {
  const keys = new Set(triggerKeys);
  for (const marks of copyMarks.values()) for (const key of marks.keys) keys.add(key);
  return [...keys].sort();
}

/** Dialect names must be unique: the controller routes custom resources and reports by name. */
export function dialectByName(dialects: readonly Dialect[], name: string): Dialect | undefined {
  return dialects.find((dialect) => dialect.name === name);
}

/** The dialects named (all of them for none, or "all"); an unknown name is an error. */
export function selectDialects(known: readonly Dialect[], names: readonly string[] | undefined): Dialect[] {
  if (!names || names.length === 0 || names.includes("all")) return [...known];
  const unknown = names.filter((name) => !dialectByName(known, name));
  if (unknown.length > 0) throw new Error(`unknown dialect(s): ${unknown.join(", ")}; known: ${known.map((d) => d.name).join(", ")}`);
  return known.filter((d) => names.includes(d.name));
}
