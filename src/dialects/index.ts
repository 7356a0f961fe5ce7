// Every input format Ferry understands, and helpers over the set.
import type { Dialect } from "./dialect.js";
import { kruiseAnnotationsDialect } from "./kruise-annotations.js";
import { kruiseResourceDistributionDialect } from "./kruise-resource-distribution.js";
import { kubedDialect } from "./kubed.js";
import { mwsyncDialect } from "./mwsync.js";
import { reflectorDialect } from "./reflector.js";
import { replicatorDialect } from "./replicator.js";
import { stakaterDialect } from "./stakater.js";
import { whispererDialect } from "./whisperer.js";

export {
  kruiseAnnotationsDialect,
  kruiseResourceDistributionDialect,
  kubedDialect,
  mwsyncDialect,
  reflectorDialect,
  replicatorDialect,
  stakaterDialect,
  whispererDialect,
};

export const allDialects: Dialect[] = [
  // Ferry's own format goes first: `nativeDialect` (src/dialects/native.ts) is added here.
  kruiseAnnotationsDialect,
  kruiseResourceDistributionDialect,
  whispererDialect,
  stakaterDialect,
  mwsyncDialect,
  replicatorDialect,
  reflectorDialect,
  kubedDialect,
];

/** Every trigger key (or "prefix/") of the given dialects, deduplicated and sorted. */
export function triggerKeysOf(dialects: readonly Dialect[]): string[] {
  const keys = new Set<string>();
  for (const dialect of dialects) for (const key of dialect.triggerKeys) keys.add(key);
  return [...keys].sort();
}

/** Dialect names must be unique: the controller routes custom resources and reports by name. */
export function dialectByName(dialects: readonly Dialect[], name: string): Dialect | undefined {
  return dialects.find((dialect) => dialect.name === name);
}
