// Every dialect Ferry speaks, native first. `--dialects` selects a subset by name.
import type { Dialect } from "./dialect.js";
import { allDialects as peerDialects } from "./index.js";
import { nativeDialect } from "./native.js";
import { registryCredsDialect } from "../registry/registry-dialect.js";

export const allDialects: Dialect[] = [nativeDialect, ...peerDialects, registryCredsDialect];

export function selectDialects(names: string[] | undefined): Dialect[] {
  if (!names || names.length === 0 || names.includes("all")) return allDialects;
  const unknown = names.filter((name) => !allDialects.some((d) => d.name === name));
  if (unknown.length > 0) throw new Error(`unknown dialect(s): ${unknown.join(", ")}; known: ${allDialects.map((d) => d.name).join(", ")}`);
  return allDialects.filter((d) => names.includes(d.name));
}
