import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { AccountPresence } from "./domain/ports/account-presence.js";
import { throttledWarning } from "./observability/throttled-warning.js";
import { MemoryAccountPresence } from "./persistence/presence/memory-account-presence.js";
import { RedisAccountPresence } from "./persistence/presence/redis-account-presence.js";

/** An active user's account is read from the database about this often (per user, not per call). */
const EXISTS_TTL_MS = 10 * 60 * 1000;
/** Beyond the access-token lifetime: room for API processes whose clocks disagree by minutes. */
const CLOCK_MARGIN_MS = 5 * 60 * 1000;

/**
 * Account presence marks: in Redis when there is a connection (shared by every API process, so an
 * erasure on one stops the tokens on all), else in this process (the embedded default).
 */
export function accountPresence(config: { redisUrl: string | undefined; accessTokenTtlSec: number }, redis: Redis | undefined, logger: Logger): AccountPresence {
  const options = {
    existsTtlMs: EXISTS_TTL_MS,
    erasedTtlMs: config.accessTokenTtlSec * 1000 + CLOCK_MARGIN_MS,
    onError: throttledWarning(logger, "account presence error; the database answers", { component: "account-presence" }),
  };
  return redis && config.redisUrl ? new RedisAccountPresence(redis, { ...options, prefix: "" }) : new MemoryAccountPresence(options);
}
