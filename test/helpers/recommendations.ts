import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Client } from "@connectrpc/connect";
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import type { MessageInitShape } from "@bufbuild/protobuf";
import {
  RecommendationStatus,
  type ContentService,
  type WatchRecommendationsRequestSchema,
  type WatchRecommendationsResponse,
} from "../../sdk/src/gen/stuckai/content/v1/content_pb.js";

/**
 * The first READY list on WatchRecommendations generated after `after` (epoch ms): the stream is
 * what a client waits on, so waiting on it also tests it. Fails after `timeoutMs`.
 */
export async function nextReadyList(
  content: Client<typeof ContentService>,
  req: MessageInitShape<typeof WatchRecommendationsRequestSchema>,
  after = 0,
  timeoutMs = 15_000,
): Promise<WatchRecommendationsResponse> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    for await (const msg of content.watchRecommendations(req, { signal: abort.signal })) {
      if (msg.status === RecommendationStatus.READY && msg.generateTime && timestampDate(msg.generateTime).getTime() > after) return msg;
    }
    throw new Error("the stream ended without a READY list");
  } catch (err) {
    if (abort.signal.aborted) throw new Error(`no READY list within ${timeoutMs} ms`);
    throw err;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}

/** A QUEUE_PREFIX no other run uses (letters, digits and dashes only, as the variable requires). */
export function uniqueQueuePrefix(label: string): string {
  return `test-${label}-${Date.now()}-${randomBytes(3).toString("hex")}`;
}

/** Deletes a user's cache keys and account presence mark (as a Redis flush would for them). */
export async function flushUserCache(redis: Redis, userId: string): Promise<void> {
  for (const pattern of [`prefetch:${userId}:*`, `user:${userId}:*`, `account:${userId}`]) {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== "0");
  }
}

/** Great-circle distance in km. */
export function haversineKm(a: { latitude: number; longitude: number }, b: { latitude: number; longitude: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.latitude - a.latitude) * rad;
  const dLon = (b.longitude - a.longitude) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371.0088 * Math.asin(Math.sqrt(h));
}
