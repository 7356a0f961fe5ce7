// When to refresh a credential and when to retry a failed fetch. Pure: time and randomness
// are arguments.

export interface ScheduleTuning {
  /** Refresh at a random point between these fractions of a token's lifetime (default 0.5-0.75). */
  refreshFractionMin: number;
  refreshFractionMax: number;
  /** Never refresh sooner than this after a fetch (ms). */
  minRefreshMs: number;
  /** First retry delay after a failure (ms); doubles per failure up to retryMaxMs. */
  retryBaseMs: number;
  retryMaxMs: number;
}

export const defaultTuning: ScheduleTuning = {
  refreshFractionMin: 0.5,
  refreshFractionMax: 0.75,
  minRefreshMs: 1_000,
  retryBaseMs: 2_000,
  retryMaxMs: 5 * 60_000,
};

/**
 * Delay (ms from `fetchedAt`) until a credential that expires at `expiresAt` should be fetched
 * again: at 50-75% of its lifetime, jittered so many credentials do not refresh together.
 * Undefined for credentials that do not expire (they change only with their configuration).
 */
export function refreshDelay(fetchedAt: number, expiresAt: number | undefined, random: number, tuning: ScheduleTuning = defaultTuning): number | undefined {
  if (expiresAt === undefined) return undefined;
  const lifetime = Math.max(0, expiresAt - fetchedAt);
  const fraction = tuning.refreshFractionMin + (tuning.refreshFractionMax - tuning.refreshFractionMin) * clamp01(random);
  return Math.max(tuning.minRefreshMs, Math.floor(lifetime * fraction));
}

/**
 * Delay (ms) before retrying after `failures` consecutive failures: exponential with jitter
 * (50-100% of the step), capped; while a last good credential is still valid, at most half of
 * its remaining life, so a retry always happens before it expires.
 */
export function retryDelay(failures: number, random: number, now: number, expiresAt: number | undefined, tuning: ScheduleTuning = defaultTuning): number {
  const step = Math.min(tuning.retryMaxMs, tuning.retryBaseMs * 2 ** Math.max(0, Math.min(failures - 1, 30)));
  let delay = Math.floor(step * (0.5 + 0.5 * clamp01(random)));
  if (expiresAt !== undefined && expiresAt > now) delay = Math.min(delay, Math.max(Math.floor(tuning.retryBaseMs / 2), Math.floor((expiresAt - now) / 2)));
  return Math.max(1, delay);
}

function clamp01(value: number): number {
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
}
