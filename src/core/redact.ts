// The one redaction of text that may reach a log line, an error, a status or an Event (invariant
// 5: no Secret value ever does). Known secret values are cut out; so is anything that looks like
// key material or a token: runs of 40 or more standard base64 characters (certificates, keys) or
// base64url characters (JWT segments, tokens). URL paths and object names stay readable: a path
// mixes "/" (standard only) with "-" (base64url only). Whitespace is folded and the length bounded.
// Pure.

export const REDACTED = "<redacted>";

const base64Run = /[A-Za-z0-9+/=]{40,}/g;
const base64urlRun = /[A-Za-z0-9+=_-]{40,}/g;

export interface RedactOptions {
  /** Values known to be secret (e.g. a provider's keys): removed wherever they appear. */
  secrets?: readonly string[];
  /** Longer text is cut here, marked with "..." (default 500). */
  maxLength?: number;
}

export function redact(text: string, options: RedactOptions = {}): string {
  let out = text;
  for (const secret of secretValues(options.secrets ?? [])) out = out.split(secret).join(REDACTED);
  out = out.replace(base64Run, REDACTED).replace(base64urlRun, REDACTED).replace(/\s+/g, " ").trim();
  const max = options.maxLength ?? 500;
  return out.length > max ? `${out.slice(0, max)}...` : out;
}

/** An error as safe text: its type (unless a plain Error) and message, redacted; never empty. */
export function describeError(error: unknown, options: RedactOptions = {}): string {
  const text = error instanceof Error ? `${error.name === "Error" ? "" : `${error.name}: `}${error.message}` : String(error);
  return redact(text, options) || "unknown error";
}

/** The values worth cutting out (4 characters or more), longest first so a value containing another goes whole. */
export function secretValues(values: Iterable<string | undefined>): string[] {
  const out: string[] = [];
  for (const value of values) if (value && value.length >= 4) out.push(value);
  return [...new Set(out)].sort((a, b) => b.length - a.length);
}
