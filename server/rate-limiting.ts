import type { Interceptor } from "@connectrpc/connect";
import type { Logger } from "pino";
import type { Config } from "./config/config.js";
import { MemoryRateLimiter } from "./domain/ratelimit/memory-rate-limiter.js";
import { rateLimitInterceptor } from "./interceptors/rate-limit.js";
import { RedisRateLimiter } from "./persistence/ratelimit/redis-rate-limiter.js";
import { connectRedis } from "./redis.js";

export interface RateLimiting {
  /** Empty when RATE_LIMIT_ENABLED=false. Goes after authentication in the chain. */
  readonly interceptors: Interceptor[];
  close(): Promise<void>;
}

/**
 * Redis when REDIS_URL is set (one exact window shared by every API process), else in-process
 * (exact for the single process of the embedded default).
 */
export function createRateLimiting(config: Config, logger: Logger): RateLimiting {
  if (!config.rateLimit.enabled) return { interceptors: [], close: async () => {} };
  const redis = connectRedis(config.redisUrl, logger);
  const limiter = redis ? new RedisRateLimiter(redis, { prefix: config.rateLimit.keyPrefix }) : new MemoryRateLimiter();
  return {
    interceptors: [rateLimitInterceptor({ limiter, policy: config.rateLimit, logger })],
    async close() {
      // Nothing is in flight once the listener has closed; no need to wait for a QUIT round trip.
      redis?.disconnect();
    },
  };
}
