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
