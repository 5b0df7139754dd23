import { ConfigError, LOG_LEVELS } from "../server/config/config.js";
import { EnvReader, type Env } from "../server/config/env.js";

/** The worker's own settings; the job settings (database, Redis) arrive with the content issue. */
export interface WorkerConfig {
  /** Port of `GET /health` and `GET /metrics`; 0 picks a free one (logged). */
  readonly httpPort: number;
  readonly logLevel: string;
}

/** Reads and validates the worker's variables, reporting every bad one at once (as the API does). */
export function loadWorkerConfig(env: Env = process.env): WorkerConfig {
  const problems: string[] = [];
  const reader = new EnvReader(env, problems);
  const httpPort = reader.int("WORKER_HTTP_PORT", 9090, 0, 65535, " (0: any free port)");
  const logLevel = reader.str("LOG_LEVEL", "info");
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}`);
  if (problems.length > 0) throw new ConfigError(problems);
  return { httpPort, logLevel };
}
