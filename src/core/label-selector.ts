// Kubernetes label selectors: parsing the string form (`a=b,c!=d,e in (x,y),!f,g`) into a
// LabelSelector, and matching a LabelSelector against labels. Pure.
import type { LabelSelector } from "./types.js";

export class SelectorError extends Error {
  override name = "SelectorError";
}

const keyPattern = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const valuePattern = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

function checkKey(key: string): string {
  if (!keyPattern.test(key)) throw new SelectorError(`invalid label key ${JSON.stringify(key)}`);
  return key;
}

function checkValue(value: string): string {
  if (!valuePattern.test(value)) throw new SelectorError(`invalid label value ${JSON.stringify(value)}`);
  return value;
}

/** Splits on commas that are not inside parentheses. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = "";
  for (const char of text) {
    if (char === "(") depth++;
    if (char === ")") depth--;
    if (depth < 0) throw new SelectorError("unbalanced parentheses");
    if (char === "," && depth === 0) {
      terms.push(current);
      current = "";
    } else current += char;
  }
  if (depth !== 0) throw new SelectorError("unbalanced parentheses");
  terms.push(current);
  return terms.map((term) => term.trim());
}

/** Parses the string form of a label selector. An empty string selects everything. */
export function parseLabelSelector(text: string): LabelSelector {
  const selector: Required<LabelSelector> = { matchLabels: {}, matchExpressions: [] };
  if (text.trim() === "") return selector;
  for (const term of splitTerms(text)) {
    if (term === "") throw new SelectorError("empty term in selector");
    let match: RegExpMatchArray | null;
    if ((match = term.match(/^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/))) {
      const values = match[3]!.split(",").map((v) => checkValue(v.trim()));
      selector.matchExpressions.push({ key: checkKey(match[1]!), operator: match[2] === "in" ? "In" : "NotIn", values });
    } else if ((match = term.match(/^!\s*(\S+)$/))) {
      selector.matchExpressions.push({ key: checkKey(match[1]!), operator: "DoesNotExist" });
    } else if ((match = term.match(/^([^=!\s]+)\s*!=\s*(\S*)$/))) {
      selector.matchExpressions.push({ key: checkKey(match[1]!), operator: "NotIn", values: [checkValue(match[2]!)] });
    } else if ((match = term.match(/^([^=!\s]+)\s*==?\s*(\S*)$/))) {
      selector.matchLabels[checkKey(match[1]!)] = checkValue(match[2]!);
    } else if ((match = term.match(/^([^=!\s()]+)$/))) {
      selector.matchExpressions.push({ key: checkKey(match[1]!), operator: "Exists" });
    } else {
      throw new SelectorError(`cannot parse selector term ${JSON.stringify(term)}`);
    }
  }
  return selector;
}

/** Checks a LabelSelector object (e.g. from a CR) for operators and values the API would reject. */
export function validateLabelSelector(selector: LabelSelector): void {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    checkKey(key);
    checkValue(value);
  }
  for (const expression of selector.matchExpressions ?? []) {
    checkKey(expression.key);
    const values = expression.values ?? [];
    if (expression.operator === "In" || expression.operator === "NotIn") {
      if (values.length === 0) throw new SelectorError(`operator ${expression.operator} needs values (key ${expression.key})`);
      values.forEach(checkValue);
    } else if (expression.operator === "Exists" || expression.operator === "DoesNotExist") {
      if (values.length > 0) throw new SelectorError(`operator ${expression.operator} takes no values (key ${expression.key})`);
    } else {
      throw new SelectorError(`unknown operator ${JSON.stringify(expression.operator)}`);
    }
  }
}

/** True when labels satisfy the selector. An empty selector matches everything. */
export function matchesLabelSelector(selector: LabelSelector, labels: Record<string, string>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const expression of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, expression.key);
    const value = labels[expression.key];
    switch (expression.operator) {
      case "In":
        if (!has || !(expression.values ?? []).includes(value!)) return false;
        break;
      case "NotIn":
        if (has && (expression.values ?? []).includes(value!)) return false;
        break;
      case "Exists":
        if (!has) return false;
        break;
      case "DoesNotExist":
        if (has) return false;
        break;
    }
  }
  return true;
}
