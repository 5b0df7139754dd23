import { getPriority, setPriority } from "node:os";
import type { Logger } from "pino";

/**
 * Lowers this process's scheduling priority to `nice` (WORKER_NICE). Where the worker shares cores
 * with an API server (one host, docker-compose), the kernel then runs a waiting call's handler
 * before the next slice of ranking or training, which only finishes a little later. In its own
 * container the value only orders the worker's own threads. Raising priority again would need
 * privileges, so a value below the current one is left alone.
 */
export function yieldCpu(nice: number, logger: Logger): void {
  if (nice <= 0) return;
  try {
    const current = getPriority();
    if (current >= nice) return;
    setPriority(nice);
    logger.info({ nice }, "worker runs at a lower scheduling priority");
  } catch (err) {
    logger.warn({ err: err instanceof Error ? err.message : String(err), nice }, "could not lower the worker's scheduling priority");
  }
}
