import { EnvReader, type Env } from "./env.js";

export interface LifecycleConfig {
  /** How long in-flight calls may take to finish after SIGTERM/SIGINT before they are cut. */
  readonly shutdownGraceMs: number;
  /** HTTP/2 keep-alive: each session is pinged this often and dropped if the previous ping went unanswered; 0: off. */
  readonly http2PingIntervalMs: number;
  /** Longest wait for one dependency check of /ready, /health/detailed and grpc.health.v1. */
  readonly healthCheckTimeoutMs: number;
}

/** SHUTDOWN_GRACE_MS, HTTP2_PING_INTERVAL_MS, HEALTH_CHECK_TIMEOUT_MS; problems are appended to `problems`. */
export function loadLifecycleConfig(env: Env, problems: string[]): LifecycleConfig {
  const reader = new EnvReader(env, problems);
  const int = reader.int.bind(reader);
  return {
    shutdownGraceMs: int("SHUTDOWN_GRACE_MS", 10_000, 0, 600_000, " (milliseconds)"),
    http2PingIntervalMs: int("HTTP2_PING_INTERVAL_MS", 30_000, 0, 3_600_000, " (milliseconds, 0 turns pings off)"),
    healthCheckTimeoutMs: int("HEALTH_CHECK_TIMEOUT_MS", 2_000, 50, 60_000, " (milliseconds)"),
  };
}
