import type { MikroORM } from "@mikro-orm/core";
import type { Logger } from "pino";
import { AuthService } from "../../sdk/src/gen/stuckai/auth/v1/auth_pb.js";
import { ContentService } from "../../sdk/src/gen/stuckai/content/v1/content_pb.js";
import { UserService } from "../../sdk/src/gen/stuckai/user/v1/user_pb.js";
import type { Config } from "../config/config.js";
import { migrations } from "../persistence/migrations/index.js";
import { connectRedis } from "../redis.js";
import type { ServingStatusProvider } from "../transport/health.js";
import { opsRoutes, type QueueDepthSource } from "../transport/ops-routes.js";
import { databaseCheck, dbPoolStats, migrationsCheck, redisCheck } from "./dependency-checks.js";
import { registry, setDbPoolSource } from "./metrics.js";
import { Readiness } from "./readiness.js";

/**
 * What each service needs to serve, for grpc.health.v1 per service ("" needs everything, like
 * `/ready`). Auth and users keep serving without Redis: their rate limits fail open. Content needs
 * it for its cache and generation queue.
 */
const SERVICE_NEEDS: Readonly<Record<string, readonly string[]>> = {
  [AuthService.typeName]: ["database", "migrations"],
  [UserService.typeName]: ["database", "migrations"],
  [ContentService.typeName]: ["database", "migrations", "redis"],
};

export interface Ops {
  readonly readiness: Readiness;
  readonly servingStatuses: ServingStatusProvider;
  /** `/health`, `/ready`, `/health/detailed`, `/metrics`; true when the request was one of them. */
  readonly routes: ReturnType<typeof opsRoutes>;
  close(): Promise<void>;
}

/** Readiness checks, health and metrics endpoints of one app. */
export async function createOps(
  orm: MikroORM,
  config: Config,
  logger: Logger,
  opts: { queueDepth?: QueueDepthSource } = {},
): Promise<Ops> {
  // A connection of its own: readiness must see Redis even when nothing else uses it (rate limits off).
  const redis = connectRedis(config.redisUrl, logger);
  const readiness = new Readiness(
    [
      databaseCheck(orm, config.databaseUrl ? "postgres" : "sqlite"),
      await migrationsCheck(
        orm,
        migrations.map((m) => m.name),
      ),
      redisCheck(redis),
    ],
    { timeoutMs: config.lifecycle.healthCheckTimeoutMs },
  );
  const unsetPool = setDbPoolSource(dbPoolStats(orm));
  return {
    readiness,
    servingStatuses: () => readiness.servingStatuses(SERVICE_NEEDS),
    routes: opsRoutes({ readiness, registry, queueDepth: opts.queueDepth }),
    async close() {
      readiness.beginShutdown();
      unsetPool();
      redis?.disconnect();
    },
  };
}
