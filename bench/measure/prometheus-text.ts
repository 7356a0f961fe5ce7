// Reads numbers from an operator's Prometheus endpoint (Ferry's plan passes, pass time, GC, heap).

export async function scrape(url: string | undefined): Promise<string | undefined> {
  if (!url) return undefined;
  const response = await fetch(url).catch(() => undefined);
  return response?.ok ? response.text() : undefined;
}

/** The sum of every sample whose line matches `pattern` (e.g. /^ferry_reconcile_total\{/). */
export function sumOf(text: string | undefined, pattern: RegExp): number | undefined {
  if (text === undefined) return undefined;
  let found = false;
  let total = 0;
  for (const line of text.split("\n")) {
    if (!pattern.test(line)) continue;
    found = true;
    total += Number(line.split(" ").pop());
  }
  return found ? total : undefined;
}

/** Ferry's own view of a window: full plan passes, the time they took, and GC time. */
export interface FerryCounters {
  planPasses?: number;
  planSeconds?: number;
  gcSeconds?: number;
  heapUsedMiB?: number;
}

export async function ferryCounters(url: string | undefined): Promise<FerryCounters> {
  const text = await scrape(url);
  const heap = sumOf(text, /^nodejs_heap_size_used_bytes /);
  return {
    planPasses: sumOf(text, /^ferry_reconcile_duration_seconds_count\{/),
    planSeconds: sumOf(text, /^ferry_reconcile_duration_seconds_sum\{/),
    gcSeconds: sumOf(text, /^nodejs_gc_duration_seconds_sum\{/),
    heapUsedMiB: heap === undefined ? undefined : +(heap / 2 ** 20).toFixed(1),
  };
}

export function countersDelta(after: FerryCounters, before: FerryCounters): FerryCounters {
  const d = (a?: number, b?: number, digits = 3) => (a === undefined || b === undefined ? undefined : +(a - b).toFixed(digits));
  return { planPasses: d(after.planPasses, before.planPasses, 0), planSeconds: d(after.planSeconds, before.planSeconds), gcSeconds: d(after.gcSeconds, before.gcSeconds), heapUsedMiB: after.heapUsedMiB };
}
