/**
 * The three instants of a session, on this browser's clock.
 *
 * - `refreshAt`: when to refresh, if a refresh token was granted (default 75 % of the lifetime);
 * - `warnAt`: when the session is "expiring soon" (60 s before the end, or half the lifetime if shorter);
 * - `endAt`: when the tokens expire.
 */
export interface Instants {
  readonly refreshAt: number;
  readonly warnAt: number;
  readonly endAt: number;
}

export interface ScheduleOptions {
  /** Fraction of the lifetime after which to refresh. Default 0.75. */
  readonly refreshAtFraction?: number;
  /** How long before the end the session is "expiring soon", at most half the lifetime. Default 60 s. */
  readonly warnBeforeMs?: number;
}

// A refresh never comes sooner than this after the tokens were received: a provider that issues
// tokens living a second cannot drive a request loop.
export const MIN_REFRESH_DELAY_MS = 2_000;
/** setTimeout overflows above 2^31 - 1 ms (24.8 days) and fires at once; wake up earlier instead. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export function instants(issuedAtMs: number, endAtMs: number, options: ScheduleOptions = {}): Instants {
  const lifetime = Math.max(0, endAtMs - issuedAtMs);
  const fraction = options.refreshAtFraction ?? 0.75;
  const refreshAt = Math.min(endAtMs, Math.max(issuedAtMs + lifetime * fraction, issuedAtMs + MIN_REFRESH_DELAY_MS));
  const warnAt = endAtMs - Math.min(options.warnBeforeMs ?? 60_000, lifetime / 2);
  return { refreshAt, warnAt, endAt: endAtMs };
}

/** The delay for setTimeout to wake at `atMs`: never negative, never past the overflow. */
export function timeoutUntil(atMs: number, nowMs: number): number {
  return Math.min(Math.max(0, atMs - nowMs), MAX_TIMEOUT_MS);
}

/** Bounded exponential backoff with full jitter: 1 s, 2 s, 4 s, … capped at 30 s. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const cap = Math.min(30_000, 1_000 * 2 ** attempt);
  return Math.round(cap / 2 + (random() * cap) / 2);
}
