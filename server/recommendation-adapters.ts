import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { RecommendationConfig } from "./config/recommendations.js";
import type { JobFailure, JobQueue } from "./domain/ports/job-queue.js";
import type { ListEvents } from "./domain/ports/list-events.js";
import type { RecommendationCache } from "./domain/ports/recommendation-cache.js";
import { throttledWarning } from "./observability/throttled-warning.js";
import { MemoryRecommendationCache } from "./persistence/cache/memory-recommendation-cache.js";
import { RedisRecommendationCache } from "./persistence/cache/redis-recommendation-cache.js";
import { InProcessListEvents } from "./persistence/events/in-process-list-events.js";
import { RedisListEvents } from "./persistence/events/redis-list-events.js";
import { BeeQueueJobQueue } from "./persistence/queue/bee-queue-job-queue.js";
import { InProcessJobQueue } from "./persistence/queue/in-process-job-queue.js";

export interface RecommendationAdapters {
  readonly cache: RecommendationCache;
  readonly queue: JobQueue;
  readonly events: ListEvents;
}

/**
 * The cache, the job queue and the "list ready" events: in Redis when there is a connection
 * (shared by every API and worker process), else in this process (the embedded default).
 */
export function recommendationAdapters(
  config: { redisUrl: string | undefined; recommendations: RecommendationConfig },
  redis: Redis | undefined,
  logger: Logger,
  onJobFailure?: (failure: JobFailure) => void,
): RecommendationAdapters {
  // Without Redis every call would warn: one line a minute per component (with a count) instead.
  const warn = (component: string) => throttledWarning(logger, `${component} error`, { component });
  const onFailure = (failure: JobFailure) => {
    logger[failure.final ? "error" : "warn"](
      { job_type: failure.type, job_id: failure.id, attempt: failure.attempt, max_attempts: failure.maxAttempts, err: failure.error.message },
      failure.final ? "job failed, no attempt left" : "job failed, will retry",
    );
    onJobFailure?.(failure);
  };
  if (!redis || !config.redisUrl) {
    return {
      cache: new MemoryRecommendationCache({ onError: warn("cache") }),
      queue: new InProcessJobQueue({ onFailure, onError: warn("queue") }),
      events: new InProcessListEvents(undefined, { onError: warn("list-events") }),
    };
  }
  const prefix = config.recommendations.queuePrefix;
  return {
    // No prefix: the keys are `prefetch:{user}:{type}[:{geohash}]`, as operators expect to find them.
    cache: new RedisRecommendationCache(redis, { prefix: "", onError: warn("cache") }),
    queue: new BeeQueueJobQueue({
      redisUrl: config.redisUrl,
      prefix,
      stallIntervalMs: config.recommendations.jobStallIntervalMs,
      onFailure,
      onError: warn("queue"),
      onStalled: (type, id) => logger.warn({ job_type: type, job_id: id }, "stalled job put back to run again"),
    }),
    events: new RedisListEvents(redis, { prefix: `${prefix}:events:`, onError: warn("list-events") }),
  };
}
