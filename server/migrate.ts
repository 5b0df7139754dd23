import { loadConfig } from "./config/config.js";
import { loadOrExit } from "./config/load-or-exit.js";
import { createLogger } from "./logger.js";
import { migrateOnce } from "./persistence/migrate-once.js";

/**
 * `npm run migrate` (`node dist/server/migrate.js` in the image): applies pending migrations and
 * exits, for running them once per release before the api starts (an init container or a job).
 * It takes the same environment as the api.
 */
async function main(): Promise<void> {
  const config = loadOrExit("stuckai-migrate", () => loadConfig());
  const logger = createLogger(config.logLevel).child({ component: "migrate" });
  await migrateOnce({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger });
  logger.info({ database: config.databaseUrl ? "postgres" : "sqlite" }, "database is up to date");
}

main().catch((err: unknown) => {
  process.stderr.write(`stuckai-migrate: failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
