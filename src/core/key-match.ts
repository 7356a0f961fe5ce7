// The one matcher of label/annotation keys against a list of keys and key prefixes (entries ending
// in "/" match every key under them): dialect trigger keys, peers' copy marks, keys kept or
// stripped on copies. Pure.

/** True when `key` is one of `keys` or lies under one of its "prefix/" entries. */
export function matchesKey(key: string, keys: readonly string[]): boolean {
  for (const candidate of keys) {
    if (key === candidate || (candidate.endsWith("/") && key.startsWith(candidate))) return true;
  }
  return false;
}

/** True when any key of the map matches (see matchesKey). */
export function hasMatchingKey(map: Readonly<Record<string, string>> | undefined, keys: readonly string[]): boolean {
  if (!map || keys.length === 0) return false;
  for (const key of Object.keys(map)) if (matchesKey(key, keys)) return true;
  return false;
}

/** True when the labels or the annotations carry a matching key. */
export function carriesKey(meta: { labels?: Readonly<Record<string, string>>; annotations?: Readonly<Record<string, string>> }, keys: readonly string[]): boolean {
  return hasMatchingKey(meta.annotations, keys) || hasMatchingKey(meta.labels, keys);
}
