import { ConfigError } from "../server/config.js";

type Env = Readonly<Record<string, string | undefined>>;

/** The worker's own settings; the job settings (database, Redis) arrive with the content issue. */
export interface WorkerConfig {
  /** Port of `GET /health` and `GET /metrics`; 0 picks a free one (logged). */
  readonly httpPort: number;
  readonly logLevel: string;
}

/** Reads and validates the worker's variables, reporting every bad one at once (as the API does). */
export function loadWorkerConfig(env: Env = process.env): WorkerConfig {
  const problems: string[] = [];
  const rawPort = env.WORKER_HTTP_PORT?.trim();
  let httpPort = 9090;
  if (rawPort !== undefined && rawPort !== "") {
    const n = Number(rawPort);
    if (Number.isInteger(n) && n >= 0 && n <= 65535) httpPort = n;
    else problems.push(`WORKER_HTTP_PORT must be an integer in [0, 65535] (0: any free port), got "${rawPort}"`);
  }
  const logLevel = env.LOG_LEVEL?.trim() || "info";
  if (!["fatal", "error", "warn", "info", "debug", "trace", "silent"].includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { httpPort, logLevel };
}
