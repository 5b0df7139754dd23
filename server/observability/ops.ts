import type { MikroORM } from "@mikro-orm/core";
import { AuthService } from "../../sdk/src/gen/stuckai/auth/v1/auth_pb.js";
import { ContentService } from "../../sdk/src/gen/stuckai/content/v1/content_pb.js";
import { UserService } from "../../sdk/src/gen/stuckai/user/v1/user_pb.js";
import type { Config } from "../config/config.js";
import { migrations } from "../persistence/migrations/index.js";
import type { Redis } from "ioredis";
import type { ServingStatusProvider } from "../transport/health.js";
import { opsRoutes, type QueueDepthSource } from "../transport/ops-routes.js";
import { databaseCheck, dbPoolStats, migrationsCheck, redisCheck } from "./dependency-checks.js";
import { registry, setDbPoolSource, setQueueDepthSource } from "./metrics.js";
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
  opts: { redis?: Redis; queueDepth?: QueueDepthSource } = {},
): Promise<Ops> {
  const readiness = new Readiness(
    [
      databaseCheck(orm, config.databaseUrl ? "postgres" : "sqlite"),
      await migrationsCheck(
        orm,
        migrations.map((m) => m.name),
      ),
      redisCheck(opts.redis),
    ],
    { timeoutMs: config.lifecycle.healthCheckTimeoutMs },
  );
  const unsetPool = setDbPoolSource(dbPoolStats(orm));
  const unsetQueue = opts.queueDepth ? setQueueDepthSource(opts.queueDepth) : () => {};
  return {
    readiness,
    servingStatuses: () => readiness.servingStatuses(SERVICE_NEEDS),
    routes: opsRoutes({ readiness, registry, queueDepth: opts.queueDepth }),
    async close() {
      readiness.beginShutdown();
      unsetPool();
      unsetQueue();
    },
  };
}
