// Where an operator's heap went: a V8 heap snapshot (taken through the inspector, or a
// .heapsnapshot file from `node --heapsnapshot-signal`), summarised as self size by kind of node
// (code, strings, objects, arrays...) and by constructor or string kind. What is kept whole is the
// snapshot file, for Chrome DevTools.

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

export interface HeapSummary {
  /** Self size of every node (MiB): what the snapshot saw live. */
  totalMiB: number;
  /** By node type: code, string, object, array, closure, hidden (V8 internals), ... */
  byType: Array<{ name: string; mib: number }>;
  /** By type and constructor (objects) or name (code, internals), the largest first. */
  top: Array<{ name: string; mib: number; count: number }>;
}

const mib = (bytes: number) => +(bytes / 1048576).toFixed(1);

export function summarizeHeap(text: string, topN = 15): HeapSummary {
  const snapshot = JSON.parse(text) as HeapSnapshot;
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf("type");
  const nameAt = fields.indexOf("name");
  const sizeAt = fields.indexOf("self_size");
  const byType = new Map<string, number>();
  const byName = new Map<string, { bytes: number; count: number }>();
  let total = 0;
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const size = snapshot.nodes[i + sizeAt]!;
    const type = types[snapshot.nodes[i + typeAt]!]!;
    total += size;
    byType.set(type, (byType.get(type) ?? 0) + size);
    // Strings are grouped as one kind (their text may be anything, a Secret's name included).
    const name = type === "string" || type === "concatenated string" || type === "sliced string" ? type : `${type} ${snapshot.strings[snapshot.nodes[i + nameAt]!]!.slice(0, 60)}`;
    const entry = byName.get(name) ?? { bytes: 0, count: 0 };
    entry.bytes += size;
    entry.count++;
    byName.set(name, entry);
  }
  return {
    totalMiB: mib(total),
    byType: [...byType].sort((a, b) => b[1] - a[1]).map(([name, bytes]) => ({ name, mib: mib(bytes) })),
    top: [...byName]
      .sort((a, b) => b[1].bytes - a[1].bytes)
      .slice(0, topN)
      .map(([name, { bytes, count }]) => ({ name, mib: mib(bytes), count })),
  };
}
