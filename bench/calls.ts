/** The calls each section sends, prepared once (request bytes and headers) before any timing starts. */
import { create, toBinary } from "@bufbuild/protobuf";
import { ContentType } from "../sdk/src/gen/stuckai/common/v1/common_pb.js";
import {
  ContentService,
  GetRecommendationsRequestSchema,
  InteractionType,
  LogInteractionRequestSchema,
  WatchRecommendationsRequestSchema,
} from "../sdk/src/gen/stuckai/content/v1/content_pb.js";
import type { ContentKind } from "../server/domain/content/kinds.js";
import { encodeGeohash } from "../server/domain/geo/geohash.js";
import { seededRandom } from "../worker/engine/synthetic-catalog.js";
import type { CallSpec } from "./protocol.js";
import { grpcFrame } from "./stats.js";

export const GET_RECOMMENDATIONS = `/${ContentService.typeName}/${ContentService.method.getRecommendations.name}`;
export const WATCH_RECOMMENDATIONS = `/${ContentService.typeName}/${ContentService.method.watchRecommendations.name}`;
export const LOG_INTERACTION = `/${ContentService.typeName}/${ContentService.method.logInteraction.name}`;

const CONTENT_TYPE: Record<ContentKind, ContentType> = {
  music: ContentType.MUSIC,
  movie: ContentType.MOVIE,
  event: ContentType.EVENT,
  place: ContentType.PLACE,
};
const LOCATED: ReadonlySet<ContentKind> = new Set(["place", "event"]);
const PAGE_SIZE = 20;
/** Precision of the cells keying place and event lists (GEOHASH_PRECISION's default, which the bench keeps). */
export const GEOHASH_PRECISION = 5;

export interface BenchUser {
  readonly id: string;
  readonly token: string;
  readonly latitude: number;
  readonly longitude: number;
}

const b64 = (bytes: Uint8Array) => grpcFrame(bytes).toString("base64");

function getRequest(type: ContentKind, location?: { latitude: number; longitude: number }): string {
  return b64(toBinary(GetRecommendationsRequestSchema, create(GetRecommendationsRequestSchema, { contentType: CONTENT_TYPE[type], pageSize: PAGE_SIZE, ...(location ? { location } : {}) })));
}

/** The cache key of a user's list, as the server builds it (`prefetch:{user}:{type}[:{geohash}]`). */
export function cacheKey(userId: string, type: ContentKind, location?: { latitude: number; longitude: number }): string {
  return `prefetch:${userId}:${type}${location && LOCATED.has(type) ? `:${encodeGeohash(location.latitude, location.longitude, GEOHASH_PRECISION)}` : ""}`;
}

function shuffle<T>(list: T[], seed: number): T[] {
  const random = seededRandom(seed);
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  return list;
}

/** The ceiling handler's call: no token, just the marker header. */
export function ceilingCalls(): CallSpec[] {
  return [{ path: GET_RECOMMENDATIONS, headers: { "x-stuckai-bench": "ceiling" }, frame: getRequest("movie") }];
}

/**
 * A first page (20 items) of each user's four lists; places and events at the profile's location,
 * where their lists were made. With `flush`, the list's cache entry and the user's cache index and
 * version are deleted before each call (one call per user at a time), so every call reads the database.
 */
export function listCalls(users: readonly BenchUser[], kinds: readonly ContentKind[], flush: boolean): CallSpec[] {
  const calls: CallSpec[] = [];
  for (const user of users) {
    for (const type of kinds) {
      const location = LOCATED.has(type) ? { latitude: user.latitude, longitude: user.longitude } : undefined;
      calls.push({
        path: GET_RECOMMENDATIONS,
        headers: { authorization: `Bearer ${user.token}` },
        frame: getRequest(type, location),
        ...(flush ? { lock: user.id, flush: [cacheKey(user.id, type, location), `user:${user.id}:lists`, `user:${user.id}:version`] } : {}),
      });
    }
  }
  return shuffle(calls, 11);
}

/**
 * Targets no list exists for: a user asking for places or events in a cell they never asked about.
 * Points sit on a 0.05° grid around the cities (every point its own geohash-5 cell, 0.044° wide), so
 * each (user, cell, type) is asked once; `count` of them, in a fixed shuffled order.
 */
export function freshTargets(
  users: readonly BenchUser[],
  cities: readonly { latitude: number; longitude: number }[],
  count: number,
): { user: BenchUser; type: ContentKind; latitude: number; longitude: number }[] {
  const points: { latitude: number; longitude: number }[] = [];
  const seen = new Set<string>();
  for (let ring = 1; points.length < count && ring < 200; ring++) {
    for (const c of cities) {
      for (let dx = -ring; dx <= ring; dx++) {
        for (let dy = -ring; dy <= ring; dy++) {
          if (Math.max(Math.abs(dx), Math.abs(dy)) !== ring) continue;
          const p = { latitude: c.latitude + dy * 0.05, longitude: c.longitude + dx * 0.05 };
          const cell = encodeGeohash(p.latitude, p.longitude, GEOHASH_PRECISION);
          if (seen.has(cell)) continue;
          seen.add(cell);
          points.push(p);
        }
      }
    }
  }
  const homes = new Set(users.map((u) => encodeGeohash(u.latitude, u.longitude, GEOHASH_PRECISION)));
  const usable = shuffle(points.filter((p) => !homes.has(encodeGeohash(p.latitude, p.longitude, GEOHASH_PRECISION))), 13).slice(0, count);
  return usable.map((p, n) => ({ user: users[n % users.length]!, type: n % 2 === 0 ? "place" : "event", ...p }));
}

export function missCalls(targets: ReturnType<typeof freshTargets>): CallSpec[] {
  return targets.map((t) => ({
    path: GET_RECOMMENDATIONS,
    headers: { authorization: `Bearer ${t.user.token}` },
    frame: getRequest(t.type, { latitude: t.latitude, longitude: t.longitude }),
  }));
}

export function watchCalls(targets: ReturnType<typeof freshTargets>): CallSpec[] {
  return targets.map((t) => ({
    path: WATCH_RECOMMENDATIONS,
    headers: { authorization: `Bearer ${t.user.token}` },
    frame: b64(
      toBinary(
        WatchRecommendationsRequestSchema,
        create(WatchRecommendationsRequestSchema, { contentType: CONTENT_TYPE[t.type], pageSize: PAGE_SIZE, location: { latitude: t.latitude, longitude: t.longitude } }),
      ),
    ),
  }));
}

/**
 * What users log, by share: mostly views and clicks; 16% are verdicts (like, dislike, ignore), which
 * mark the user's cached lists stale and queue a regeneration, as they do in production.
 */
export const WRITE_MIX: readonly [InteractionType, number][] = [
  [InteractionType.VIEW, 0.45],
  [InteractionType.CLICK, 0.3],
  [InteractionType.LIKE, 0.1],
  [InteractionType.SAVE, 0.05],
  [InteractionType.SHARE, 0.04],
  [InteractionType.IGNORE, 0.04],
  [InteractionType.DISLIKE, 0.02],
];

/** `count` LogInteraction calls of the users on random catalog items, in the WRITE_MIX. */
export function writeCalls(users: readonly BenchUser[], itemIds: readonly string[], count: number): CallSpec[] {
  const random = seededRandom(17);
  return Array.from({ length: count }, (_, n) => {
    let r = random();
    let type = InteractionType.VIEW;
    for (const [t, share] of WRITE_MIX) {
      if (r < share) {
        type = t;
        break;
      }
      r -= share;
    }
    const user = users[n % users.length]!;
    return {
      path: LOG_INTERACTION,
      headers: { authorization: `Bearer ${user.token}` },
      frame: b64(
        toBinary(
          LogInteractionRequestSchema,
          create(LogInteractionRequestSchema, { contentItemId: itemIds[Math.floor(random() * itemIds.length)]!, interactionType: type, device: "bench" }),
        ),
      ),
    };
  });
}
