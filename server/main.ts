import { startApp } from "./app.js";
import { loadConfig } from "./config/config.js";
import { loadOrExit } from "./config/load-or-exit.js";
import { limitHeapGrowth } from "./heap-growth.js";
import { createLogger } from "./logger.js";
import { exitOnFatal } from "./observability/fatal.js";

/** Entry point: `npm start`. Configuration comes from the environment (see .env.example). */
async function main(): Promise<void> {
  const config = loadOrExit("stuckai", () => loadConfig());
  limitHeapGrowth(config.heapGrowingPercent);
  const logger = createLogger(config.logLevel);
  exitOnFatal(logger);
  const app = await startApp(config, logger);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      // The operator's second Ctrl-C: do not make them wait for the grace period.
      logger.warn({ signal }, "second signal: exiting without waiting for in-flight calls");
      process.exit(1);
    }
    stopping = true;
    const graceMs = config.lifecycle.shutdownGraceMs;
    logger.info({ signal, graceMs }, "shutting down");
    // Closing the database or Redis should take moments; if something hangs, still leave, and say so.
    setTimeout(() => {
      logger.error({ graceMs }, "shutdown did not finish within the grace period plus 5 s; exiting");
      process.exit(1);
    }, graceMs + 5_000).unref();
    try {
      await app.close();
    } catch (err) {
      logger.error({ err }, "shutdown failed");
      process.exit(1);
    }
    logger.info("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

main().catch((err: unknown) => {
  process.stderr.write(`stuckai: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
