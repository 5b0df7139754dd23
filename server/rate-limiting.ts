import type { Interceptor } from "@connectrpc/connect";
import type { Logger } from "pino";
import type { Config } from "./config/config.js";
import { MemoryRateLimiter } from "./domain/ratelimit/memory-rate-limiter.js";
import { rateLimitInterceptor } from "./interceptors/rate-limit.js";
import { RedisRateLimiter } from "./persistence/ratelimit/redis-rate-limiter.js";
import type { Redis } from "ioredis";

export interface RateLimiting {
  /** Empty when RATE_LIMIT_ENABLED=false. Goes after authentication in the chain. */
  readonly interceptors: Interceptor[];
}

/**
 * Redis when the app has one (one exact window shared by every API process), else in-process
 * (exact for the single process of the embedded default). The app owns and closes the connection.
 */
export function createRateLimiting(config: Config, logger: Logger, redis: Redis | undefined): RateLimiting {
  if (!config.rateLimit.enabled) return { interceptors: [] };
  const limiter = redis ? new RedisRateLimiter(redis, { prefix: config.rateLimit.keyPrefix }) : new MemoryRateLimiter();
  return { interceptors: [rateLimitInterceptor({ limiter, policy: config.rateLimit, logger })] };
}
