import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { decide, type RateLimitDecision, type RateLimiter } from "../../domain/ratelimit/rate-limiter.js";

/**
 * One check, atomically: drop entries that left the window, count, admit (ZADD) only under the limit,
 * and let the key expire with its newest entry. Without a caller clock (ARGV[3] < 0) it uses Redis's
 * own TIME, so several API processes with skewed clocks still share one exact window.
 * Returns {allowed 0|1, entries after this call, oldest entry's score, the `now` used}.
 */
const HIT_SCRIPT = `
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
if now < 0 then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
local allowed = 0
if count < limit then
  redis.call('ZADD', key, now, ARGV[4])
  redis.call('PEXPIRE', key, window)
  count = count + 1
  allowed = 1
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')[2]
return {allowed, count, tonumber(oldest) or now, now}
`;

const COMMAND = "stuckaiRateLimitHit";

type HitCommand = (key: string, limit: number, windowMs: number, now: number, member: string) => Promise<[number, number, number, number]>;

export interface RedisRateLimiterOptions {
  /** Prepended to every key, e.g. `ratelimit:`; lets tests and deployments share one Redis. */
  readonly prefix: string;
  /** A check slower than this rejects, so a hung Redis cannot stall every call (the caller fails open). */
  readonly timeoutMs?: number;
}

/**
 * Sliding log in a sorted set per key, checked by one Lua script (EVALSHA via ioredis
 * `defineCommand`, which falls back to EVAL after a SCRIPT FLUSH or a restart). Exact under
 * concurrency across any number of API processes because Redis runs each script alone.
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly command: HitCommand;
  private readonly timeoutMs: number;
  // Members must be unique per admitted call, or two calls in the same millisecond would count once.
  private readonly memberPrefix = randomBytes(6).toString("base64url");
  private seq = 0;
  private connected: Promise<void> | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly options: RedisRateLimiterOptions,
  ) {
    // Calls arriving during the server's first connection attempt wait for it (within the timeout)
    // instead of going through unchecked; once it has succeeded or failed, an outage fails fast.
    if (redis.status !== "ready") {
      this.connected = new Promise((resolve) => {
        for (const event of ["ready", "error", "close"]) redis.once(event, () => resolve());
      });
    }
    if (!(COMMAND in redis)) redis.defineCommand(COMMAND, { numberOfKeys: 1, lua: HIT_SCRIPT });
    const command = (redis as unknown as Record<string, HitCommand>)[COMMAND]!;
    this.command = command.bind(redis);
    this.timeoutMs = options.timeoutMs ?? 500;
  }

  async hit(key: string, limit: number, windowMs: number, now?: number): Promise<RateLimitDecision> {
    const member = `${this.memberPrefix}:${++this.seq}`;
    const check = async () => {
      if (this.connected && this.redis.status !== "ready") await this.connected;
      return this.command(`${this.options.prefix}${key}`, limit, windowMs, now === undefined ? -1 : Math.floor(now), member);
    };
    const [allowed, count, oldest, usedNow] = await withTimeout(check(), this.timeoutMs);
    return decide(allowed === 1, limit, count, oldest, windowMs, usedNow);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`rate limiter: Redis did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
