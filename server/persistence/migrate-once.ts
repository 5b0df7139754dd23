import { openDatabase, type DatabaseOptions } from "./orm.js";

/**
 * Applies pending migrations and closes the database again: `npm run migrate`, the init container
 * of every api pod. Opening the database migrates under the migration lock (see migration-lock.ts),
 * so any number of these, and of starting api processes, may run at once.
 */
export async function migrateOnce(opts: DatabaseOptions): Promise<void> {
  await (await openDatabase(opts)).close();
}
