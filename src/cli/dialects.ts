// The dialects this Ferry knows: the built-in ones (dialects/all.ts) and the registry's, which is
// registered here at the composition root so that dialects/ never imports from registry/.
import type { Dialect } from "../dialects/dialect.js";
import { builtInDialects } from "../dialects/all.js";
import { selectDialects } from "../dialects/index.js";
import { registryCredsDialect } from "../registry/registry-dialect.js";

export const knownDialects: readonly Dialect[] = [...builtInDialects, registryCredsDialect];

/** `--dialects`: the known dialects named (all for none, or "all"). */
export function selectKnownDialects(names: readonly string[] | undefined): Dialect[] {
  return selectDialects(knownDialects, names);
}

/**
 * `--take-over-unmarked`: the dialects whose rules may take over unmanaged objects that carry no
 * tool's marks (docs/migration.md). Names must be known dialects; an unknown name is an error.
 */
export function consentedDialects(names: readonly string[] | undefined): string[] {
  const wanted = [...new Set((names ?? []).map((name) => name.trim()).filter(Boolean))];
  const unknown = wanted.filter((name) => !knownDialects.some((dialect) => dialect.name === name));
  if (unknown.length > 0) throw new Error(`--take-over-unmarked: unknown dialect(s) ${unknown.join(", ")}; known: ${knownDialects.map((d) => d.name).join(", ")}`);
  return wanted.sort();
}
