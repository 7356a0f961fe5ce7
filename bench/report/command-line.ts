// The `npm run bench` command that reproduces a run's options: every flag that differs from its
// default (with --quick, from the quick sizes), so the report names the sizes it measured.
import { parseOptions, type BenchOptions } from "../options.js";

const notFlags = new Set<keyof BenchOptions>(["quick", "out", "name"]);

function text(value: unknown, separator: string): string {
  if (!Array.isArray(value)) return String(value);
  return value.map((v: unknown) => (typeof v === "object" && v !== null ? `${(v as { namespaces: number }).namespaces}x${(v as { rules: number }).rules}` : String(v))).join(separator);
}

export function commandLine(o: BenchOptions): string {
  const defaults = parseOptions(["node", "bench", ...(o.quick ? ["--quick"] : [])]);
  const flags = (Object.keys(o) as Array<keyof BenchOptions>)
    .filter((key) => !notFlags.has(key))
    .flatMap((key) => {
      const separator = key === "ferryNodeFlags" ? " " : ",";
      const value = text(o[key], separator);
      if (value === text(defaults[key], separator)) return [];
      const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
      if (typeof o[key] === "boolean") return [flag];
      return [/\s/.test(value) ? `${flag} "${value}"` : `${flag} ${value}`];
    });
  return ["npm run bench --", ...(o.quick ? ["--quick"] : []), ...flags].join(" ");
}
