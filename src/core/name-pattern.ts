// Namespace name patterns: exact names, globs (`*` any run, `?` one character) and anchored
// regular expressions. Pure.

export class PatternError extends Error {
  override name = "PatternError";
}

const namePattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function isGlob(pattern: string): boolean {
  return /[*?]/.test(pattern);
}

/** Validates a name or glob as used in targets/exclude. */
export function validateNameOrGlob(pattern: string): void {
  if (pattern === "") throw new PatternError("empty namespace name");
  const literal = pattern.replace(/[*?]/g, "a");
  if (!namePattern.test(literal) || literal.length > 63) {
    throw new PatternError(`${JSON.stringify(pattern)} is not a namespace name or glob`);
  }
}

export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${body}$`);
}

/** Compiles a user-given regular expression, anchored at both ends. */
export function anchoredRegExp(source: string): RegExp {
  try {
    return new RegExp(`^(?:${source})$`);
  } catch (error) {
    throw new PatternError(`invalid regular expression ${JSON.stringify(source)}: ${(error as Error).message}`);
  }
}

export function matchesNameOrGlob(pattern: string, name: string): boolean {
  return isGlob(pattern) ? globToRegExp(pattern).test(name) : pattern === name;
}
