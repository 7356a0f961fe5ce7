// Error text that is safe to show (log, Event, status): known secret values and anything that
// looks like a token are cut out, and the length is bounded.

/** Every string value of a provider configuration that is secret (for redaction). */
export function secretValues(values: Iterable<string | undefined>): string[] {
  const out: string[] = [];
  for (const value of values) if (value && value.length >= 4) out.push(value);
  // Longest first, so a value containing another is removed whole.
  return out.sort((a, b) => b.length - a.length);
}

export function safeMessage(error: unknown, secrets: readonly string[] = []): string {
  let text = error instanceof Error ? `${error.name === "Error" ? "" : `${error.name}: `}${error.message}` : String(error);
  for (const secret of secrets) text = text.split(secret).join("<redacted>");
  text = text.replace(/[A-Za-z0-9+/_=-]{40,}/g, "<redacted>");
  text = text.replace(/\s+/g, " ").trim();
  return text.length > 300 ? `${text.slice(0, 300)}...` : text || "unknown error";
}
