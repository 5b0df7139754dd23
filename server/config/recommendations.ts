import { availableParallelism } from "node:os";
import { EnvReader, type Env } from "./env.js";

/** `auto`: jobs run in the API process when there is no REDIS_URL (the embedded default), else in `npm run worker`. */
export const IN_PROCESS_JOBS_MODES = ["auto", "on", "off"] as const;
export type InProcessJobsMode = (typeof IN_PROCESS_JOBS_MODES)[number];

/** Recommendation lists, their cache, and the generation jobs; read by the API and the worker alike. */
export interface RecommendationConfig {
  /** How long a list stays in the cache (`prefetch:{user}:{type}[:{geohash}]`). */
  readonly cacheTtlMs: number;
  /** How long a stored list is served before it counts as expired and is regenerated. */
  readonly listTtlMs: number;
  /** Recommendations per stored list; pages are cut from it. */
  readonly listSize: number;
  /** Cached lists an API process keeps decoded (and encoded) for repeated hits; 0 keeps none. */
  readonly memoLists: number;
  /** Geohash precision of the cells keying place and event lists (5: about 4.9 km). */
  readonly geohashPrecision: number;
  /** Prefix of the queue's and the list events' Redis keys, so deployments (and tests) can share a Redis. */
  readonly queuePrefix: string;
  readonly inProcessJobs: InProcessJobsMode;
  /** Jobs run at once per process. */
  readonly jobConcurrency: number;
  /** A running job not confirmed by its worker within this window is put back for another worker. */
  readonly jobStallIntervalMs: number;
  /** How often a process checks whether the catalog changed and must be re-indexed. */
  readonly catalogRefreshMs: number;
  readonly similarityIntervalMs: number;
  /** Period of the MF model's retraining (train-mf). */
  readonly mfTrainIntervalMs: number;
  /** Threads that train the MF model in a worker process. */
  readonly mfTrainThreads: number;
  readonly cleanupIntervalMs: number;
  readonly prefetchIntervalMs: number;
}

const MINUTE = 60_000;

/** The variables above; problems are appended to `problems`. */
export function loadRecommendationConfig(env: Env, problems: string[]): RecommendationConfig {
  const reader = new EnvReader(env, problems);
  const int = reader.int.bind(reader);
  const inProcessJobs = reader.str("IN_PROCESS_JOBS", "auto") as InProcessJobsMode;
  if (!IN_PROCESS_JOBS_MODES.includes(inProcessJobs)) problems.push(`IN_PROCESS_JOBS must be one of ${IN_PROCESS_JOBS_MODES.join(", ")}, got "${inProcessJobs}"`);
  const queuePrefix = reader.str("QUEUE_PREFIX", "stuckai");
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(queuePrefix)) problems.push(`QUEUE_PREFIX must be 1–64 letters, digits, ".", "_" or "-", got "${queuePrefix}"`);
  return {
    cacheTtlMs: int("RECOMMENDATION_CACHE_TTL_SECONDS", 1800, 1, 86_400, " (seconds)") * 1000,
    listTtlMs: int("RECOMMENDATION_TTL_SECONDS", 7200, 60, 7 * 86_400, " (seconds)") * 1000,
    listSize: int("RECOMMENDATION_LIST_SIZE", 50, 1, 100),
    memoLists: int("RECOMMENDATION_MEMO_LISTS", 1024, 0, 100_000),
    geohashPrecision: int("GEOHASH_PRECISION", 5, 3, 8),
    queuePrefix,
    inProcessJobs,
    jobConcurrency: int("JOB_CONCURRENCY", 4, 1, 64),
    jobStallIntervalMs: int("JOB_STALL_INTERVAL_MS", 5_000, 500, 600_000, " (milliseconds)"),
    catalogRefreshMs: int("CATALOG_REFRESH_SECONDS", 60, 1, 86_400, " (seconds)") * 1000,
    similarityIntervalMs: int("SIMILARITY_REBUILD_MINUTES", 60, 1, 7 * 1440, " (minutes)") * MINUTE,
    mfTrainIntervalMs: int("MF_TRAIN_MINUTES", 360, 1, 7 * 1440, " (minutes)") * MINUTE,
    mfTrainThreads: int("MF_TRAIN_THREADS", Math.min(8, availableParallelism()), 1, 8),
    cleanupIntervalMs: int("CLEANUP_INTERVAL_MINUTES", 15, 1, 1440, " (minutes)") * MINUTE,
    prefetchIntervalMs: int("PREFETCH_INTERVAL_MINUTES", 10, 1, 1440, " (minutes)") * MINUTE,
  };
}

/** Whether this API process runs the jobs itself. */
export function runsJobsInProcess(config: { redisUrl: string | undefined; recommendations: RecommendationConfig }): boolean {
  const mode = config.recommendations.inProcessJobs;
  return mode === "on" || (mode === "auto" && !config.redisUrl);
}
