import type { MikroORM } from "@mikro-orm/core";
import type { Migrator } from "@mikro-orm/migrations";
import type { Redis } from "ioredis";
import type { DbPoolStats } from "./metrics.js";
import type { DependencyCheck } from "./readiness.js";

export function databaseCheck(orm: MikroORM, kind: "postgres" | "sqlite"): DependencyCheck {
  return {
    name: "database",
    configured: true,
    async run() {
      await orm.em.getConnection().execute("select 1");
      return { kind };
    },
  };
}

/**
 * All migrations applied. Asking the migrator (`getPendingMigrations`) also creates its table and,
 * on Postgres, checks the database exists: fine once at start, too heavy for every probe. Later
 * checks read the applied names (one small select): on every check while some are pending, so
 * readiness follows a migration job at once, else at most every `recheckMs`.
 */
export async function migrationsCheck(
  orm: MikroORM,
  expected: readonly string[],
  opts: { recheckMs?: number } = {},
): Promise<DependencyCheck> {
  const migrator = orm.getMigrator() as unknown as Migrator;
  const atStart = await migrator.getPendingMigrations();
  let verifiedAt = atStart.length === 0 ? performance.now() : undefined;
  const recheckMs = opts.recheckMs ?? 30_000;
  return {
    name: "migrations",
    configured: true,
    async run() {
      if (verifiedAt === undefined || performance.now() - verifiedAt >= recheckMs) {
        const applied = new Set(await migrator.getStorage().executed());
        const pending = expected.filter((name) => !applied.has(name));
        if (pending.length > 0) {
          verifiedAt = undefined;
          throw new Error(`${pending.length} pending: ${pending.join(", ")}; apply them with npm run migrate`);
        }
        verifiedAt = performance.now();
      }
      return { applied: expected.length, pending: 0 };
    },
  };
}

export function redisCheck(redis: Redis | undefined): DependencyCheck {
  return {
    name: "redis",
    configured: redis !== undefined,
    async run() {
      // The client fails commands at once while disconnected (no offline queue), so checks cannot pile up.
      if (redis!.status !== "ready") throw new Error(`not connected (${redis!.status})`);
      await redis!.ping();
    },
  };
}

interface TarnPool {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
}

/** The knex (tarn) pool behind MikroORM, for the pool gauge; undefined if the driver has none. */
export function dbPoolStats(orm: MikroORM): () => DbPoolStats | undefined {
  return () => {
    const connection = orm.em.getConnection() as unknown as { getKnex?: () => { client?: { pool?: TarnPool } } };
    const pool = connection.getKnex?.().client?.pool;
    if (!pool || typeof pool.numUsed !== "function") return undefined;
    return { used: pool.numUsed(), free: pool.numFree(), pending: pool.numPendingAcquires() };
  };
}
