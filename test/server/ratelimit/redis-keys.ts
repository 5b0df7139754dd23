import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";

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
