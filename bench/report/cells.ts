// Formatting of the report's cells: every number with its unit, incomplete runs said plainly.

export type Obj = Record<string, unknown>;

export const get = (value: unknown, ...path: string[]): unknown => path.reduce<unknown>((v, key) => (v && typeof v === "object" ? (v as Obj)[key] : undefined), value);
export const num = (value: unknown, ...path: string[]): number | undefined => {
  const v = get(value, ...path);
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
};

export const s = (value: number | undefined, digits = 3) => (value === undefined ? "–" : `${+value.toFixed(digits)} s`);
export const ms = (seconds: number | undefined) => (seconds === undefined ? "–" : `${Math.round(seconds * 1000)} ms`);
export const pct = (value: number | undefined) => (value === undefined ? "–" : `${+value.toFixed(3)}% of a core`);
export const mib = (value: number | undefined) => (value === undefined ? "–" : `${value} MiB`);

/** A copies result: "1.3 s (1.05x raw)", or what was present when the wait ended. */
export function copiesCell(result: unknown): string {
  if (!result) return "–";
  const present = num(result, "present");
  const copies = num(result, "copies");
  if (get(result, "complete") === false) return `incomplete: ${present} of ${copies} after ${s(num(result, "seconds"), 0)} (${Math.round((present ?? 0) / (num(result, "seconds") ?? 1))} copies/s)`;
  const trials = (get(result, "trials") as Array<{ ratio: number }> | undefined) ?? [];
  const spread = trials.length > 1 ? `; median of ${trials.length} trials: ${trials.map((t) => `${t.ratio}x`).join(", ")}` : "";
  return `${s(num(result, "seconds"))} (${num(result, "ratio")}x raw${spread})`;
}

export const latencyCell = (result: unknown) => {
  if (!result) return "–";
  const complete = num(result, "complete");
  const measured = num(result, "namespaces") ?? num(result, "measured");
  const partial = complete !== undefined && measured !== undefined && complete < measured ? `; ${measured - complete} of ${measured} incomplete` : "";
  return `p50 ${ms(num(result, "p50Seconds"))}, p99 ${ms(num(result, "p99Seconds"))}${partial}`;
};

export const mark = (ok: boolean | undefined) => (ok === undefined ? "" : ok ? "met" : "**not met**");
