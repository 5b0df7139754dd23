import type { MikroORM } from "@mikro-orm/core";
import type { SqlEntityManager } from "@mikro-orm/knex";

/**
 * Rows of one hand-written query on a hot path, with its parameters bound (`?` placeholders). Unlike
 * MikroORM's `execute`, which formats every parameter into the SQL text (a 10 KB JSON argument is
 * escaped on our side and parsed as a literal on the server's), this hands them to the driver as
 * they are. Errors get the ORM's exception types. Outside any transaction the caller's `em` has.
 * On SQLite bind only strings, numbers and null (better-sqlite3 takes no dates).
 */
export async function boundQuery<T>(orm: MikroORM, sql: string, params: readonly unknown[]): Promise<T[]> {
  try {
    const result: unknown = await (orm.em as SqlEntityManager).getConnection().getKnex().raw(sql, params as never[]);
    // node-postgres answers a result object, better-sqlite3 the rows themselves.
    return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
  } catch (err) {
    throw err instanceof Error ? orm.em.getDriver().convertException(err) : err;
  }
}
