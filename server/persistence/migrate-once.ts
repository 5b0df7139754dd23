import { MikroORM as PostgresOrm } from "@mikro-orm/postgresql";
import type { Logger } from "pino";
import { openDatabase, type DatabaseOptions } from "./orm.js";

/**
 * Session-level Postgres advisory lock held while migrating. MikroORM's migrator takes no lock of
 * its own: two replicas starting together would both try the same DDL and one would crash.
 * The value is arbitrary but fixed; only this function uses it.
 */
export const MIGRATION_LOCK_KEY = "7310593858463285601";

/**
 * Applies pending migrations and closes the database again: `npm run migrate`, the init container
 * of every api pod. Runs on Postgres under MIGRATION_LOCK_KEY so any number may start at once:
 * the first migrates, the others wait and then find nothing to do.
 */
export async function migrateOnce(opts: DatabaseOptions & { logger: Logger }): Promise<void> {
  if (!opts.databaseUrl) {
    await (await openDatabase(opts)).close();
    return;
  }
  // One pooled connection that is never reaped: the lock belongs to it and goes when it closes.
  const lockHolder = await PostgresOrm.init({
    clientUrl: opts.databaseUrl,
    entities: [],
    discovery: { warnWhenNoEntities: false },
    pool: { min: 1, max: 1 },
    logger: (message: string) => opts.logger.debug({ component: "orm" }, message),
  });
  try {
    const conn = lockHolder.em.getConnection();
    const started = Date.now();
    await conn.execute(`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`);
    opts.logger.info({ waitedMs: Date.now() - started }, "migration lock acquired");
    try {
      await (await openDatabase(opts)).close();
    } finally {
      await conn.execute(`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`);
    }
  } finally {
    await lockHolder.close();
  }
}
