// A collection listed in pages sized by bytes, not by a fixed count. Every page is a round trip,
// and the apiserver pays a fixed cost per page (a cache snapshot, admission of the request) on
// top of its cost per object: listing 25,000 copies took 50 pages of 500 in 610 ms and 0.47 s of
// apiserver CPU, and 5 pages of 5,000 in 422 ms and 0.30 s (same plane, one after the other).
// A fixed large count would let a page of large objects (full Secrets of up to 1 MiB each) take
// memory Ferry does not keep, so each page asks for as many objects as the last page's average
// size says fit in PAGE_BYTES, between MIN_PAGE and MAX_PAGE objects.
// A metadata-only list stays at MIN_PAGE: it is the list that can hold every Secret of the
// cluster, and its pages must die young. With pages of 5,000 the memory scenario (100,000
// unrelated Secrets) listed in 2.7 s instead of 5.6 s, but its RSS went from about 150 to 247 MiB
// and never came down (bench/results/all-columns-2026-11-30T17-31-20-119Z.md).
import type { KubeClient, RequestSpec } from "./client.js";

/** About this much JSON per page: what a list holds beyond the records it keeps. */
export const PAGE_BYTES = 2 * 1024 * 1024;
/** The first page's size, and the least any page asks for (client-go's reflector pages by 500). */
export const MIN_PAGE = 500;
export const MAX_PAGE = 5000;

/** The next page's limit, after a page of `items` objects in `bytes` of JSON. */
export function nextPageLimit(items: number, bytes: number): number {
  if (items <= 0 || bytes <= 0) return MIN_PAGE;
  const fit = Math.floor(PAGE_BYTES / (bytes / items));
  return Math.min(MAX_PAGE, Math.max(MIN_PAGE, fit));
}

export interface ListPage<O> {
  items: O[];
  /** The list's resourceVersion (the same on every page of one list). */
  resourceVersion: string | undefined;
}

export interface ListSpec {
  /** Pages of MIN_PAGE objects, whatever their size (metadata-only lists: see above). */
  fixedPages?: boolean;
  labelSelector?: string;
  fieldSelector?: string;
  accept?: string;
  signal?: AbortSignal;
}

/** The pages of a list, one request each, in order; the caller reduces each page before the next is asked for. */
export async function* listPages<O>(client: KubeClient, path: string, spec: ListSpec): AsyncGenerator<ListPage<O>> {
  let continueToken: string | undefined;
  let limit = MIN_PAGE;
  do {
    let bytes = 0;
    const request: RequestSpec = {
      query: { limit, continue: continueToken, labelSelector: spec.labelSelector, fieldSelector: spec.fieldSelector },
      accept: spec.accept,
      timeoutMs: 120_000,
      signal: spec.signal,
      responseBytes: (n) => (bytes = n),
    };
    const page = await client.get<{ metadata: { resourceVersion?: string; continue?: string }; items?: O[] | null }>(path, request);
    const items = page.items ?? [];
    continueToken = page.metadata.continue || undefined;
    if (!spec.fixedPages) limit = nextPageLimit(items.length, bytes);
    yield { items, resourceVersion: page.metadata.resourceVersion };
  } while (continueToken);
}
