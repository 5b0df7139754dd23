import { Redis } from "ioredis";
import type { Logger } from "pino";

/**
 * The API's Redis connection (cache, queue, rate limits, pub/sub), or undefined in the embedded
 * default. Commands fail fast while Redis is down instead of queueing up, so callers can fail open.
 */
export function connectRedis(url: string | undefined, logger: Logger): Redis | undefined {
  if (!url) return undefined;
  const redis = new Redis(url, {
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  let down = false;
  redis.on("error", (err) => {
    if (!down) logger.warn({ err: err.message }, "redis unreachable");
    down = true;
  });
  redis.on("ready", () => {
    if (down) logger.info("redis reachable again");
    down = false;
  });
  return redis;
}
