import type { MikroORM } from "@mikro-orm/core";
import type { Knex } from "@mikro-orm/knex";

/**
 * Session-level Postgres advisory lock held while migrating. MikroORM's migrator takes no lock of
 * its own: two replicas starting together would both run the same DDL and one would crash.
 * The value is arbitrary but fixed.
 */
export const MIGRATION_LOCK_KEY = "7310593858463285601";

/**
 * Runs `work` holding the migration lock on one connection taken from the ORM's own pool (the
 * work itself uses other connections). Whoever comes second waits, then finds nothing to do.
 */
export async function withMigrationLock<T>(orm: MikroORM, work: () => Promise<T>): Promise<T> {
  const knex = (orm.em.getConnection() as unknown as { getKnex(): Knex }).getKnex();
  const client = knex.client as { acquireConnection(): Promise<unknown>; releaseConnection(c: unknown): Promise<void> };
  const conn = await client.acquireConnection();
  const query = (sql: string) => knex.raw(sql).connection(conn as never);
  try {
    await query(`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`);
    try {
      return await work();
    } finally {
      await query(`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`);
    }
  } finally {
    await client.releaseConnection(conn);
  }
}
