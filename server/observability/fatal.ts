import type { Logger } from "pino";

/**
 * An error that escaped every handler leaves the process in an unknown state: log it as a JSON line
 * (operators search the logs, not stderr), then exit 1 so the supervisor starts a fresh process and
 * Bee-Queue hands the running jobs to another worker.
 */
export function exitOnFatal(logger: Logger): void {
  const die = (origin: string) => (err: unknown) => {
    logger.fatal({ err, origin }, "unexpected error, exiting");
    process.exit(1);
  };
  process.on("uncaughtException", die("uncaught exception"));
  process.on("unhandledRejection", die("unhandled rejection"));
}
