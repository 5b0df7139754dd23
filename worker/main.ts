import { loadOrExit } from "../server/config/load-or-exit.js";
import { createLogger } from "../server/logger.js";
import { exitOnFatal } from "../server/observability/fatal.js";
import { openDatabase } from "../server/persistence/orm.js";
import { recommendationAdapters } from "../server/recommendation-adapters.js";
import { connectRedis } from "../server/redis.js";
import { loadWorkerConfig } from "./config.js";
import { yieldCpu } from "./nice.js";
import { close, listen, workerHttpServer } from "./http.js";
import { workerJobMetrics, workerRegistry } from "./metrics.js";
import { createJobRuntime } from "./runtime.js";

/**
 * The recommendation worker (`npm run worker`): takes generation, refresh, analytics, prefetch,
 * cleanup and model jobs from the Bee-Queue queues in Redis. Any number may run side by side.
 */
async function main(): Promise<void> {
  const config = loadOrExit("stuckai-worker", loadWorkerConfig);
  const logger = createLogger(config.logLevel, "stuckai-worker");
  exitOnFatal(logger);
  // Before any thread starts (training threads, the libuv pool), so they inherit it.
  yieldCpu(config.nice, logger);
  const orm = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger, acquireTimeoutMs: config.dbAcquireTimeoutMs, queryTimeoutMs: config.dbQueryTimeoutMs, poolSize: config.dbPoolSize });
  const redis = connectRedis(config.redisUrl, logger);
  const adapters = recommendationAdapters(config, redis, logger, workerJobMetrics.failed);
  const runtime = createJobRuntime({ orm, adapters, config: config.recommendations, logger, metrics: workerJobMetrics });
  runtime.start();
  const server = workerHttpServer(workerRegistry);
  const port = await listen(server, config.httpPort);
  logger.info({ port, concurrency: config.recommendations.jobConcurrency }, "listening");

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    runtime.stop();
    // Running jobs may finish within the grace period; the rest go back to the queue for another worker.
    await adapters.queue.close(config.shutdownGraceMs);
    await adapters.events.close();
    redis?.disconnect();
    await orm.close();
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
