import { equals } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../../../sdk/src/gen/stuckai/auth/v1/auth_pb.js";
import { ContentType } from "../../../sdk/src/gen/stuckai/common/v1/common_pb.js";
import {
  ContentService,
  GetRecommendationsResponseSchema,
  InteractionType,
  RecommendationSource,
  RecommendationStatus,
  type Recommendation,
} from "../../../sdk/src/gen/stuckai/content/v1/content_pb.js";
import { UserService } from "../../../sdk/src/gen/stuckai/user/v1/user_pb.js";
import { client, TRANSPORTS } from "../../helpers/clients.js";
import { spawnServer, type ServerProcess } from "../../helpers/process.js";
import { flushUserCache, haversineKm, nextReadyList, uniqueQueuePrefix } from "../../helpers/recommendations.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";
import { deleteKeys } from "../ratelimit/redis-keys.js";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const LISBON = { latitude: 38.7103, longitude: -9.1366 };
const PORTO = { latitude: 41.1456, longitude: -8.6109 };
const TOKYO = { latitude: 35.6812, longitude: 139.7671 };
const START_RADIUS_KM = 5;

/** The radius a list was searched in: the start radius, or the widened one its reasons name. */
function searchedRadiusKm(r: Recommendation): number {
  const widened = r.reasons.map((s) => /widened to ([\d.]+) km/.exec(s)).find(Boolean);
  return widened ? Number(widened[1]) : START_RADIUS_KM;
}

// The production shape: the API with Postgres and Redis, and a separate `npm run worker` process.
describe("recommendations end to end: Postgres, Redis and a worker process", () => {
  const queuePrefix = uniqueQueuePrefix("flow");
  const users: string[] = [];
  let server: TestServer;
  let worker: ServerProcess;
  let redis: Redis;
  let n = 0;

  const signUp = async (profile: { interests?: string[]; location?: typeof LISBON } = {}) => {
    const res = await client(AuthService, "grpc", server.baseUrl).register({ email: `flow${++n}@example.com`, password: "passw0rd-x", displayName: "F" });
    const token = res.tokens!.accessToken;
    users.push(res.user!.id);
    if (profile.interests || profile.location) await client(UserService, "grpc", server.baseUrl, token).updateProfile({ profile });
    return { id: res.user!.id, token, content: client(ContentService, "grpc", server.baseUrl, token) };
  };

  beforeAll(async () => {
    const env = { REDIS_URL, QUEUE_PREFIX: queuePrefix, CATALOG_REFRESH_SECONDS: "1" };
    server = await startTestServer("postgres", { ...env, STARTER_CATALOG: "always" });
    worker = await spawnServer({ ...env, DATABASE_URL: server.db.databaseUrl!, WORKER_HTTP_PORT: "0", LOG_LEVEL: "info" }, "worker/main.ts");
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    await worker?.stop();
    await server?.stop();
    if (redis) {
      await deleteKeys(redis, `${queuePrefix}:`);
      for (const id of users) await flushUserCache(redis, id);
      redis.disconnect();
    }
  });

  it("answers GENERATING first, streams the list when ready, then serves it from the cache, and from the database after a flush", async () => {
    // No profile change: it would queue a refresh of every list, racing the request's own job.
    const u = await signUp();
    const first = await u.content.getRecommendations({ contentType: ContentType.MUSIC, pageSize: 10 });
    expect(first).toMatchObject({ status: RecommendationStatus.GENERATING, source: RecommendationSource.NONE, recommendations: [] });

    const streamed = await nextReadyList(u.content, { contentType: ContentType.MUSIC, pageSize: 10 });
    expect(streamed.recommendations).toHaveLength(10);
    const ids = streamed.recommendations.map((r) => r.id);

    const cached = await u.content.getRecommendations({ contentType: ContentType.MUSIC, pageSize: 10 });
    expect(cached.status).toBe(RecommendationStatus.READY);
    expect(cached.source).toBe(RecommendationSource.CACHE);
    expect(cached.recommendations.map((r) => r.id)).toEqual(ids);
    expect(cached.recommendations.map((r) => r.rankingPosition)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const r of cached.recommendations) expect(r.relevanceScore).toBeGreaterThanOrEqual(0), expect(r.relevanceScore).toBeLessThanOrEqual(1);

    await flushUserCache(redis, u.id);
    const fromDb = await u.content.getRecommendations({ contentType: ContentType.MUSIC, pageSize: 10 });
    expect(fromDb.source).toBe(RecommendationSource.DATABASE);
    expect(fromDb.recommendations.map((r) => r.id)).toEqual(ids);
    expect((await u.content.getRecommendations({ contentType: ContentType.MUSIC, pageSize: 10 })).source).toBe(RecommendationSource.CACHE);

    // Paging over the stored list: the pages join up to the whole list, without repeats.
    const page1 = await u.content.getRecommendations({ contentType: ContentType.MUSIC, pageSize: 30 });
    const page2 = await u.content.getRecommendations({ contentType: ContentType.MUSIC, pageSize: 30, pageToken: page1.nextPageToken });
    expect(page1.nextPageToken).not.toBe("");
    expect(page2.nextPageToken).toBe("");
    expect(page2.recommendations[0]!.rankingPosition).toBe(31);
    expect(new Set([...page1.recommendations, ...page2.recommendations].map((r) => r.item!.id)).size).toBe(50);
  });

  it("serves a cached list identically over every protocol, binary and JSON, on repeated hits", async () => {
    const u = await signUp();
    await nextReadyList(u.content, { contentType: ContentType.MOVIE, pageSize: 20 });
    const expected = await u.content.getRecommendations({ contentType: ContentType.MOVIE, pageSize: 20 });
    expect(expected.source).toBe(RecommendationSource.CACHE);
    expect(expected.recommendations).toHaveLength(20);
    // Twice per protocol: the second hit answers entries encoded for an earlier answer.
    for (const transport of [...TRANSPORTS, ...TRANSPORTS]) {
      const got = await client(ContentService, transport, server.baseUrl, u.token).getRecommendations({ contentType: ContentType.MOVIE, pageSize: 20 });
      expect(got.source, transport).toBe(RecommendationSource.CACHE);
      expect(got.$unknown, transport).toBeUndefined();
      expect(equals(GetRecommendationsResponseSchema, got, expected), transport).toBe(true);
    }
    expect(expected.recommendations.every((r) => r.item?.metadata && r.expireTime)).toBe(true);
  });

  it("gives two users with opposite interests different top items", async () => {
    const horror = await signUp({ interests: ["horror", "thriller"] });
    const family = await signUp({ interests: ["animation", "family"] });
    const [a, b] = await Promise.all([
      nextReadyList(horror.content, { contentType: ContentType.MOVIE, pageSize: 5 }),
      nextReadyList(family.content, { contentType: ContentType.MOVIE, pageSize: 5 }),
    ]);
    const top = (l: typeof a) => l.recommendations.map((r) => r.item!.id);
    expect(top(a).filter((id) => top(b).includes(id))).toEqual([]);
    expect(a.recommendations[0]!.item!.tags.some((t) => ["horror", "thriller"].includes(t))).toBe(true);
    expect(b.recommendations[0]!.item!.tags.some((t) => ["animation", "family"].includes(t))).toBe(true);
    // And says why.
    expect(a.recommendations[0]!.reasons.join(" ")).toMatch(/horror|thriller/);
  });

  it("reflects a DISLIKE in the next list, and never brings the disliked item back", async () => {
    const u = await signUp({ interests: ["rock"] });
    const before = await nextReadyList(u.content, { contentType: ContentType.MUSIC });
    const disliked = before.recommendations[0]!;
    await u.content.logInteraction({ recommendationId: disliked.id, interactionType: InteractionType.DISLIKE });

    // The cached list is stale at once: the next read does not serve it.
    const next = await u.content.getRecommendations({ contentType: ContentType.MUSIC });
    if (next.status === RecommendationStatus.READY) expect(next.recommendations.map((r) => r.item!.id)).not.toContain(disliked.item!.id);
    let after = timestampDate(before.generateTime!).getTime();
    for (let round = 0; round < 3; round++) {
      const list = await nextReadyList(u.content, { contentType: ContentType.MUSIC, pageSize: 50 }, after);
      expect(list.recommendations.map((r) => r.item!.id)).not.toContain(disliked.item!.id);
      after = timestampDate(list.generateTime!).getTime();
      await u.content.refreshRecommendations({ contentTypes: [ContentType.MUSIC] });
    }
  });

  it("regenerates after a profile change, and the new list follows the new interests", async () => {
    const u = await signUp({ interests: ["classical"] });
    const before = await nextReadyList(u.content, { contentType: ContentType.MUSIC, pageSize: 5 });
    expect(before.recommendations[0]!.item!.tags).toContain("classical");
    await client(UserService, "grpc", server.baseUrl, u.token).updateProfile({ profile: { interests: ["hip-hop"] } });
    // The lists made from the old profile are gone: GENERATING, or (a quick worker) a list that
    // already follows the new interests, never one made from the old profile by a job still running.
    const next = await u.content.getRecommendations({ contentType: ContentType.MUSIC, pageSize: 5 });
    if (next.status === RecommendationStatus.READY) expect(next.recommendations[0]!.item!.tags).toContain("hip-hop");
    else expect(next.status).toBe(RecommendationStatus.GENERATING);
    const after = await nextReadyList(u.content, { contentType: ContentType.MUSIC, pageSize: 5 }, timestampDate(before.generateTime!).getTime());
    expect(after.recommendations[0]!.item!.tags).toContain("hip-hop");
  });

  it("keeps places and events within the searched radius of the given location, with no event that has ended", async () => {
    const u = await signUp();
    for (const where of [LISBON, TOKYO]) {
      for (const contentType of [ContentType.PLACE, ContentType.EVENT]) {
        const list = await nextReadyList(u.content, { contentType, location: where, pageSize: 50 });
        expect(list.recommendations.length).toBeGreaterThan(0);
        for (const r of list.recommendations) {
          const km = haversineKm(where, r.item!.location!);
          expect(km).toBeLessThanOrEqual(searchedRadiusKm(r) + 0.01);
          // distance_km is measured from where the list was made for: within the same ~5 km cell.
          expect(Math.abs(r.distanceKm! - km)).toBeLessThan(7);
          if (contentType === ContentType.EVENT) {
            const end = r.item!.endTime ?? r.item!.startTime;
            expect(timestampDate(end!).getTime()).toBeGreaterThan(Date.now() - (r.item!.endTime ? 0 : 3 * 3_600_000));
          }
        }
      }
    }
  });

  it("keys place lists by geohash cell: a traveller who moved from Lisbon to Porto never gets Lisbon's places", async () => {
    const u = await signUp();
    const lisbon = await nextReadyList(u.content, { contentType: ContentType.PLACE, location: LISBON, pageSize: 10 });
    expect((await u.content.getRecommendations({ contentType: ContentType.PLACE, location: LISBON })).source).toBe(RecommendationSource.CACHE);
    // Porto: another cell, so not Lisbon's cached list.
    const porto = await u.content.getRecommendations({ contentType: ContentType.PLACE, location: PORTO, pageSize: 10 });
    expect(porto.status).toBe(RecommendationStatus.GENERATING);
    const portoList = await nextReadyList(u.content, { contentType: ContentType.PLACE, location: PORTO, pageSize: 10 });
    for (const r of portoList.recommendations) expect(haversineKm(PORTO, r.item!.location!)).toBeLessThan(100);
    expect(lisbon.recommendations.every((r) => haversineKm(LISBON, r.item!.location!) < 100)).toBe(true);
  });

  it("counts cache hits and misses per content type in /metrics", async () => {
    const text = await (await fetch(`${server.baseUrl}/metrics`)).text();
    expect(text).toMatch(/stuckai_cache_lookups_total\{content_type="music",result="hit"\} [1-9]/);
    expect(text).toMatch(/stuckai_cache_lookups_total\{content_type="music",result="miss"\} [1-9]/);
    expect(text).toMatch(/stuckai_queue_depth\{job_type="generate"\} \d/);
    const workerMetrics = await (await fetch(`http://127.0.0.1:${worker.port}/metrics`)).text();
    expect(workerMetrics).toMatch(/stuckai_jobs_total\{job_type="generate",outcome="completed"\} [1-9]/);
  });
});
