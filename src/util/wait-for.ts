// Waiting on a condition with a deadline: the only way Ferry's code and tests wait for the world.

export interface WaitOptions {
  /** Give up after this many milliseconds. */
  timeoutMs: number;
  /** Pause between attempts, in milliseconds (default 50, doubling up to 1 s). */
  intervalMs?: number;
  /** Shown in the timeout error, so a failing wait says what it waited for. */
  description?: string;
}

/** Thrown by a condition to stop waiting at once (the thing waited for can no longer happen). */
export class WaitAborted extends Error {
  override name = "WaitAborted";
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Calls `condition` until it returns a value that is not undefined/false, and returns that value.
 * Exceptions thrown by `condition` count as "not yet"; the last one is reported on timeout.
 */
export async function waitFor<T>(
  condition: () => T | undefined | false | Promise<T | undefined | false>,
  options: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let interval = options.intervalMs ?? 50;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value !== undefined && value !== false) return value;
      lastError = undefined;
    } catch (error) {
      if (error instanceof WaitAborted) throw error;
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const what = options.description ?? "condition";
      const why = lastError instanceof Error ? `: last error: ${lastError.message}` : "";
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${what}${why}`);
    }
    await delay(Math.min(interval, Math.max(0, deadline - Date.now())));
    if (options.intervalMs === undefined) interval = Math.min(interval * 2, 1000);
  }
}
