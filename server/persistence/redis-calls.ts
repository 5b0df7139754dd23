import type { Redis } from "ioredis";

/** Rejects with `message` when `promise` has not settled within `ms`; the promise itself runs on. */
export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Resolves once the connection's first attempt has succeeded or failed. The app's connection fails
 * commands fast while Redis is down (no offline queue), so a call made while it is still connecting
 * at start-up would fail for no reason; waiting for this (within the caller's timeout) avoids that,
 * and once the first attempt is over an outage fails fast again.
 */
export function firstConnection(redis: Redis): Promise<void> | undefined {
  if (redis.status === "ready") return undefined;
  if (redis.status === "wait") void redis.connect().catch(() => {});
  return new Promise((resolve) => {
    const done = () => {
      for (const event of ["ready", "error", "close"]) redis.off(event, done);
      resolve();
    };
    for (const event of ["ready", "error", "close"]) redis.on(event, done);
  });
}

export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
