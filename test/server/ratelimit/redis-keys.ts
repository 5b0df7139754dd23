import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, expect } from "vitest";
import { connectRedis } from "../../../server/redis.js";

/** A key prefix no other run or suite uses, so tests can share the one Redis on 6379. */
export function uniquePrefix(label: string): string {
  return `test:${label}:${Date.now()}:${randomBytes(4).toString("hex")}:`;
}

/** Deletes every key under `prefix`. */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== "0");
}

/**
 * For an adapter contract suite: the app's own Redis connection (no offline queue, one retry) and a
 * key prefix of its own; after the file, its keys are deleted, the connection closed, and no store
 * error may have been reported to `errors` (pass `(e) => errors.push(e)` as the adapter's onError).
 */
export function contractRedis(label: string): { redis: Redis; prefix: string; errors: Error[] } {
  const prefix = uniquePrefix(label);
  const redis = connectRedis(process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379", pino({ level: "silent" }))!;
  const errors: Error[] = [];
  afterAll(async () => {
    await deleteKeys(redis, prefix);
    await redis.quit();
    expect(errors).toEqual([]);
  });
  return { redis, prefix, errors };
}
