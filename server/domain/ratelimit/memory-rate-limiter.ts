import { decide, type RateLimitDecision, type RateLimiter } from "./rate-limiter.js";

/** One key's sliding log: admitted timestamps, ascending, live from `head` on. */
interface Log {
  times: number[];
  head: number;
  windowMs: number;
}

/**
 * The in-process limiter of the embedded default (one server process, no Redis). Same semantics as
 * the Redis adapter. Memory stays proportional to the keys active within their window: each hit
 * prunes its own log, and a full sweep drops logs whose newest entry has aged out, run after as many
 * hits as there are keys (amortised O(1) per hit).
 */
export class MemoryRateLimiter implements RateLimiter {
  private readonly logs = new Map<string, Log>();
  private hitsSinceSweep = 0;

  async hit(key: string, limit: number, windowMs: number, now = Date.now()): Promise<RateLimitDecision> {
    if (++this.hitsSinceSweep >= Math.max(1024, this.logs.size)) this.sweep(now);
    let log = this.logs.get(key);
    if (!log) {
      log = { times: [], head: 0, windowMs };
      this.logs.set(key, log);
    }
    log.windowMs = windowMs;
    prune(log, now - windowMs);
    const count = log.times.length - log.head;
    const allowed = count < limit;
    if (allowed) insertSorted(log, now);
    return decide(allowed, limit, allowed ? count + 1 : count, log.times[log.head] ?? now, windowMs, now);
  }

  /** Number of keys held; for tests of the eviction. */
  get size(): number {
    return this.logs.size;
  }

  private sweep(now: number): void {
    this.hitsSinceSweep = 0;
    for (const [key, log] of this.logs) {
      const newest = log.times[log.times.length - 1];
      if (newest === undefined || newest <= now - log.windowMs) this.logs.delete(key);
    }
  }
}

/** Drops entries at or before `cutoff`, as ZREMRANGEBYSCORE -inf cutoff does. */
function prune(log: Log, cutoff: number): void {
  while (log.head < log.times.length && log.times[log.head]! <= cutoff) log.head++;
  // Compact once the dead prefix dominates, so a busy key's array does not grow without bound.
  if (log.head > 64 && log.head * 2 > log.times.length) {
    log.times = log.times.slice(log.head);
    log.head = 0;
  }
}

/** Appends in the common case; keeps order when callers pass out-of-order clocks. */
function insertSorted(log: Log, t: number): void {
  const { times } = log;
  let i = times.length;
  while (i > log.head && times[i - 1]! > t) i--;
  times.splice(i, 0, t);
}
