import path from "node:path";
import { EnvReader, type Env } from "./env.js";

export interface StorageConfig {
  /** Postgres URL; undefined means the embedded SQLite file under `dataDir`. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly redisUrl: string | undefined;
  /** A call waiting longer than this for a database connection fails with `unavailable` instead of hanging. */
  readonly dbAcquireTimeoutMs: number;
  /** A Postgres query without an answer after this fails (a hung server must not hold calls forever). */
  readonly dbQueryTimeoutMs: number;
  /** Postgres connections per process at most. */
  readonly dbPoolSize: number;
}

/** DATABASE_URL, DATA_DIR, REDIS_URL and the database timeouts, read alike by the API and the worker. */
export function loadStorageConfig(env: Env, problems: string[]): StorageConfig {
  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push(`DATABASE_URL must be a postgres:// URL (or unset for the embedded SQLite file)`);
  }
  const redisUrl = env.REDIS_URL?.trim() || undefined;
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) {
    problems.push(`REDIS_URL must be a redis:// or rediss:// URL`);
  }
  const reader = new EnvReader(env, problems);
  return {
    databaseUrl,
    dataDir: path.resolve(reader.str("DATA_DIR", "./data")),
    redisUrl,
    dbAcquireTimeoutMs: reader.int("DB_ACQUIRE_TIMEOUT_MS", 3_000, 100, 120_000, " (milliseconds)"),
    dbQueryTimeoutMs: reader.int("DB_QUERY_TIMEOUT_MS", 30_000, 100, 3_600_000, " (milliseconds)"),
    dbPoolSize: reader.int("DB_POOL_SIZE", 10, 1, 1000),
  };
}
