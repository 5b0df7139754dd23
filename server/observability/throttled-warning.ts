import type { Logger } from "pino";

/** Default gap between two warnings of one kind. */
export const WARN_INTERVAL_MS = 60_000;

/**
 * A warning for errors that an outage repeats on every call (Redis down: each request's cache read,
 * account check and rate limit fail over): the first is logged at once, then at most one line per
 * `intervalMs`, carrying how many were not logged since the previous line (`suppressed`), so a
 * dependency outage is a line a minute rather than thousands a second. `fields` adds to that line
 * (the rate limiter names the procedure).
 */
export function throttledWarning(
  logger: Logger,
  message: string,
  bindings: Record<string, unknown> = {},
  intervalMs = WARN_INTERVAL_MS,
  now: () => number = Date.now,
): (err: unknown, fields?: Record<string, unknown>) => void {
  let lastAt = -Infinity;
  let suppressed = 0;
  return (err, fields) => {
    const at = now();
    if (at - lastAt < intervalMs) {
      suppressed++;
      return;
    }
    lastAt = at;
    logger.warn({ ...bindings, ...fields, err: err instanceof Error ? err.message : String(err), suppressed }, message);
    suppressed = 0;
  };
}
