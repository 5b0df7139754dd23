import { ConfigError, LOG_LEVELS } from "../server/config/config.js";
import { EnvReader, type Env } from "../server/config/env.js";
import { loadRecommendationConfig, type RecommendationConfig } from "../server/config/recommendations.js";
import { loadStorageConfig, type StorageConfig } from "../server/config/storage.js";

export interface WorkerConfig extends StorageConfig {
  /** Port of `GET /health` and `GET /metrics`; 0 picks a free one (logged). */
  readonly httpPort: number;
  readonly logLevel: string;
  /** Required: the queue the worker takes jobs from. */
  readonly redisUrl: string;
  /** Running jobs may finish within this on SIGTERM; then they are returned to the queue. */
  readonly shutdownGraceMs: number;
  /**
   * Scheduling niceness the worker gives itself at start (0 leaves it): on a host it shares with
   * an API server, ranking and training yield the CPU to calls waiting for an answer.
   */
  readonly nice: number;
  readonly recommendations: RecommendationConfig;
}

/** Reads and validates the worker's variables, reporting every bad one at once (as the API does). */
export function loadWorkerConfig(env: Env = process.env): WorkerConfig {
  const problems: string[] = [];
  const reader = new EnvReader(env, problems);
  const httpPort = reader.int("WORKER_HTTP_PORT", 9090, 0, 65535, " (0: any free port)");
  const logLevel = reader.str("LOG_LEVEL", "info");
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}`);
  const storage = loadStorageConfig(env, problems);
  if (!storage.redisUrl) {
    problems.push("REDIS_URL is required: the worker takes its jobs from the Redis queue (without Redis, the API runs the jobs in-process)");
  }
  const shutdownGraceMs = reader.int("SHUTDOWN_GRACE_MS", 10_000, 0, 600_000, " (milliseconds)");
  const nice = reader.int("WORKER_NICE", 10, 0, 19, " (0: unchanged; higher yields more)");
  const recommendations = loadRecommendationConfig(env, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return { httpPort, logLevel, ...storage, redisUrl: storage.redisUrl!, shutdownGraceMs, nice, recommendations };
}
