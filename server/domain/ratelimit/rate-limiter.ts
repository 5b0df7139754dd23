/** The outcome of one counted call. */
export interface RateLimitDecision {
  readonly allowed: boolean;
  readonly limit: number;
  /** Calls still admitted in the current window after this one (0 when refused). */
  readonly remaining: number;
  /** Epoch ms when the oldest counted call leaves the window, i.e. when a slot frees. */
  readonly resetMs: number;
  /** 0 when allowed; else how long until a retry can succeed. */
  readonly retryAfterMs: number;
}

/**
 * A sliding-log rate limiter: a call is admitted when fewer than `limit` calls were admitted under
 * `key` in the last `windowMs`. Refused calls are not counted, so a client hammering at the limit
 * gets back in as soon as its oldest call ages out. Rejects only when its store is unreachable;
 * callers decide whether to fail open.
 */
export interface RateLimiter {
  /** `now` (epoch ms) is for tests; implementations default to their own clock. */
  hit(key: string, limit: number, windowMs: number, now?: number): Promise<RateLimitDecision>;
}

/** The decision for a log that, after this call, holds `count` entries, the oldest at `oldestMs`. */
export function decide(allowed: boolean, limit: number, count: number, oldestMs: number, windowMs: number, now: number): RateLimitDecision {
  const resetMs = oldestMs + windowMs;
  return {
    allowed,
    limit,
    remaining: Math.max(0, limit - count),
    resetMs,
    retryAfterMs: allowed ? 0 : Math.max(1, resetMs - now),
  };
}
