// Small helpers of the benchmark: rounding, percentiles, names, bounded parallelism.

export const seconds = (ms: number) => Math.round(ms) / 1000;

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** `prefix-00000` .. : zero-padded so that names sort as they were created. */
export const names = (prefix: string, from: number, to: number) => Array.from({ length: Math.max(0, to - from) }, (_, i) => `${prefix}-${String(from + i).padStart(5, "0")}`);

export const b64 = (text: string) => Buffer.from(text).toString("base64");

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `work` over `items` with at most `concurrency` at a time. */
export async function parallel<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}
