// How dialects read their original tools' copy marks (CopyMarks, core/types.ts): the verdicts and
// the checks most tools share. Each tool's own marks, and the source file of the tool they were
// read from, are declared in its dialect's file. Pure.
import type { MarkVerdict, ObservedObject, TakeoverClaim } from "../core/types.js";

export const isCopy: MarkVerdict = { copy: true };

export function notCopy(why: string): MarkVerdict {
  return { copy: false, why };
}

/**
 * For tools whose copies keep their source's name and name their source in their marks: the
 * marks must name the claim's source, and the object must bear the source's name.
 */
export function namesTheSource(object: ObservedObject, claim: TakeoverClaim, named: { namespace: string; name: string } | undefined): MarkVerdict {
  const { source } = claim;
  if (!source) return notCopy("this rule's content is inline, and the tool copies only Secrets and ConfigMaps");
  if (!named) return notCopy("its marks name no source");
  if (named.namespace !== source.namespace || named.name !== source.name) return notCopy(`its marks name ${named.namespace}/${named.name}, not ${source.namespace}/${source.name}`);
  if (object.name !== source.name) return notCopy(`the tool's copies keep their source's name (${source.name})`);
  return isCopy;
}

/** The source a tool's labels name (`nameLabel`, `namespaceLabel`). */
export function sourceFromLabels(nameLabel: string, namespaceLabel: string): (object: ObservedObject) => { namespace: string; name: string } | undefined {
  return ({ labels }) => {
    const name = labels[nameLabel];
    const namespace = labels[namespaceLabel];
    return name && namespace ? { namespace, name } : undefined;
  };
}
