import { pino } from "pino";
import { loadOrExit } from "../server/config/load-or-exit.js";
import { loadWorkerConfig } from "./config.js";
import { close, listen, workerHttpServer } from "./http.js";
import { workerRegistry } from "./metrics.js";

/**
 * The recommendation worker (`npm run worker`). Generation jobs arrive with the content issue;
 * until then it serves its health and metrics port and waits for a signal, so deployments can
 * already run, probe and scrape it.
 */
async function main(): Promise<void> {
  const config = loadOrExit("stuckai-worker", loadWorkerConfig);
  const logger = pino({ level: config.logLevel, base: { service: "stuckai-worker" } });
  const server = workerHttpServer(workerRegistry);
  const port = await listen(server, config.httpPort);
  logger.info({ port }, "listening");
  logger.info("worker started; no job handlers registered yet");

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    // The content issue stops taking jobs here and lets running ones finish before the port closes.
    await close(server);
    logger.info("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

main().catch((err: unknown) => {
  process.stderr.write(`stuckai-worker: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
