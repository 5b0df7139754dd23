import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { entryTag, type CacheKey, type RecommendationCache } from "../../../server/domain/ports/recommendation-cache.js";
import { MemoryRecommendationCache } from "../../../server/persistence/cache/memory-recommendation-cache.js";
import { RedisRecommendationCache } from "../../../server/persistence/cache/redis-recommendation-cache.js";
import { contractRedis } from "../ratelimit/redis-keys.js";

// Nothing in these tests may hit a store error (checked after the file).
const { redis, prefix, errors } = contractRedis("cache-contract");

const factories: [string, () => RecommendationCache][] = [
  ["memory", () => new MemoryRecommendationCache()],
  ["redis", () => new RedisRecommendationCache(redis, { prefix, onError: (e) => errors.push(e) })],
];

let n = 0;
const user = () => `0000-user-${++n}-${Date.now()}`;
const bytes = (...b: number[]) => new Uint8Array(b);
/** The entry a read found, if any. */
const entryOf = async (cache: RecommendationCache, key: CacheKey, held?: string) => (await cache.get(key, held)).entry;
const MIN = 60_000;

describe.each(factories)("RecommendationCache contract: %s", (_name, make) => {
  it("misses for a list never stored, then returns the stored bytes, fresh", async () => {
    const cache = make();
    const key: CacheKey = { userId: user(), contentType: "music" };
    expect(await entryOf(cache, key)).toBeUndefined();
    await cache.set(key, bytes(1, 2, 3), MIN);
    expect(await entryOf(cache, key)).toEqual({ value: bytes(1, 2, 3), tag: entryTag(bytes(1, 2, 3)), stale: false });
  });

  it("answers the entry's version and tag without its bytes to a caller holding the bytes of that tag", async () => {
    const cache = make();
    const key: CacheKey = { userId: user(), contentType: "place", geohash: "u4pru" };
    await cache.set(key, bytes(7, 8), MIN);
    const { tag } = (await entryOf(cache, key))!;
    expect(tag).toMatch(/^[0-9a-f]{32}$/);
    expect(await entryOf(cache, key, tag)).toEqual({ tag, stale: false });
    expect(await entryOf(cache, key, entryTag(bytes(7)))).toEqual({ value: bytes(7, 8), tag, stale: false });
    // Still says stale without the bytes.
    await cache.markStale(key.userId);
    expect(await entryOf(cache, key, tag)).toEqual({ tag, stale: true });
    // The same bytes written again keep their tag; other bytes come whole, with theirs.
    await cache.set(key, bytes(7, 8), MIN);
    expect(await entryOf(cache, key, tag)).toEqual({ tag, stale: false });
    await cache.set(key, bytes(9), MIN);
    expect(await entryOf(cache, key, tag)).toEqual({ value: bytes(9), tag: entryTag(bytes(9)), stale: false });
    expect(await entryOf(cache, { ...key, geohash: "u09tu" }, tag)).toBeUndefined();
  });

  it("answers the user's version with every read, whether it found an entry or not", async () => {
    const cache = make();
    const u = user();
    const key: CacheKey = { userId: u, contentType: "music" };
    expect(await cache.get(key)).toEqual({ version: 0 });
    await cache.markStale(u);
    const bumped = await cache.userVersion(u);
    expect(bumped).toBeGreaterThan(0);
    expect(await cache.get(key)).toEqual({ version: bumped });
    await cache.set(key, bytes(5), MIN);
    const { tag } = (await entryOf(cache, key))!;
    expect(await cache.get(key, tag)).toEqual({ entry: { tag, stale: false }, version: bumped });
    expect(await cache.get({ ...key, contentType: "movie" }, tag)).toEqual({ version: bumped });
    await cache.markStale(u);
    expect(await cache.get(key)).toEqual({ entry: { value: bytes(5), tag, stale: true }, version: await cache.userVersion(u) });
  });

  it("keeps every byte value, offsets into larger buffers and empty lists intact", async () => {
    const cache = make();
    const u = user();
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const backing = new Uint8Array(300).fill(0x3a);
    backing.set(all, 20);
    await cache.set({ userId: u, contentType: "movie" }, backing.subarray(20, 276), MIN);
    await cache.set({ userId: u, contentType: "music" }, new Uint8Array(0), MIN);
    expect(Array.from((await entryOf(cache, { userId: u, contentType: "movie" }))!.value!)).toEqual(Array.from(all));
    expect((await entryOf(cache, { userId: u, contentType: "music" }))!.value).toHaveLength(0);
  });

  it("keeps users, content types and geohash cells apart; music and movies ignore the cell", async () => {
    const cache = make();
    const [a, b] = [user(), user()];
    await cache.set({ userId: a, contentType: "place", geohash: "u4pru" }, bytes(1), MIN);
    await cache.set({ userId: a, contentType: "place", geohash: "u09tu" }, bytes(2), MIN);
    await cache.set({ userId: a, contentType: "place" }, bytes(3), MIN);
    await cache.set({ userId: a, contentType: "event", geohash: "u4pru" }, bytes(4), MIN);
    await cache.set({ userId: a, contentType: "music", geohash: "u4pru" }, bytes(5), MIN);
    await cache.set({ userId: b, contentType: "place", geohash: "u4pru" }, bytes(6), MIN);
    const value = async (key: CacheKey) => (await entryOf(cache, key))?.value?.[0];
    expect(await value({ userId: a, contentType: "place", geohash: "u4pru" })).toBe(1);
    expect(await value({ userId: a, contentType: "place", geohash: "u09tu" })).toBe(2);
    expect(await value({ userId: a, contentType: "place" })).toBe(3);
    expect(await value({ userId: a, contentType: "event", geohash: "u4pru" })).toBe(4);
    expect(await value({ userId: a, contentType: "event", geohash: "u09tu" })).toBeUndefined();
    expect(await value({ userId: a, contentType: "music" })).toBe(5);
    expect(await value({ userId: a, contentType: "music", geohash: "zzzzz" })).toBe(5);
    expect(await value({ userId: b, contentType: "place", geohash: "u4pru" })).toBe(6);
  });

  it("expires an entry after its TTL", async () => {
    const cache = make();
    const key: CacheKey = { userId: user(), contentType: "movie" };
    await cache.set(key, bytes(1), 100);
    await cache.set({ ...key, contentType: "music" }, bytes(2), MIN);
    await sleep(400);
    expect(await entryOf(cache, key)).toBeUndefined();
    expect(await entryOf(cache, { ...key, contentType: "music" })).toBeDefined();
  });

  it("overwrites an entry with a new list and a new TTL", async () => {
    const cache = make();
    const key: CacheKey = { userId: user(), contentType: "movie" };
    await cache.set(key, bytes(1), 100);
    await cache.set(key, bytes(2), MIN);
    await sleep(400);
    expect(await entryOf(cache, key)).toEqual({ value: bytes(2), tag: entryTag(bytes(2)), stale: false });
  });

  it("invalidateUser removes every list of the user, counting live ones only, and leaves other users alone", async () => {
    const cache = make();
    const [a, b] = [user(), user()];
    await cache.set({ userId: a, contentType: "music" }, bytes(1), MIN);
    await cache.set({ userId: a, contentType: "movie" }, bytes(1), MIN);
    for (const cell of ["u4pru", "u09tu", "dr5ru"]) await cache.set({ userId: a, contentType: "place", geohash: cell }, bytes(1), MIN);
    await cache.set({ userId: a, contentType: "event", geohash: "u4pru" }, bytes(1), 50);
    await cache.set({ userId: b, contentType: "music" }, bytes(2), MIN);
    await sleep(300);
    expect(await cache.invalidateUser(a)).toBe(5);
    for (const key of [
      { userId: a, contentType: "music" },
      { userId: a, contentType: "movie" },
      { userId: a, contentType: "place", geohash: "u09tu" },
    ] as CacheKey[]) {
      expect(await entryOf(cache, key)).toBeUndefined();
    }
    expect(await entryOf(cache, { userId: b, contentType: "music" })).toEqual({ value: bytes(2), tag: entryTag(bytes(2)), stale: false });
    expect(await cache.invalidateUser(a)).toBe(0);
    expect(await cache.invalidateUser(user())).toBe(0);
  });

  it("markStale flags the lists cached so far; a list written afterwards is fresh", async () => {
    const cache = make();
    const [a, b] = [user(), user()];
    await cache.set({ userId: a, contentType: "music" }, bytes(1), MIN);
    await cache.set({ userId: a, contentType: "movie" }, bytes(1), MIN);
    await cache.set({ userId: b, contentType: "music" }, bytes(1), MIN);
    await cache.markStale(a);
    expect(await entryOf(cache, { userId: a, contentType: "music" })).toEqual({ value: bytes(1), tag: entryTag(bytes(1)), stale: true });
    expect((await entryOf(cache, { userId: a, contentType: "movie" }))!.stale).toBe(true);
    expect((await entryOf(cache, { userId: b, contentType: "music" }))!.stale).toBe(false);
    await cache.set({ userId: a, contentType: "music" }, bytes(2), MIN);
    expect(await entryOf(cache, { userId: a, contentType: "music" })).toEqual({ value: bytes(2), tag: entryTag(bytes(2)), stale: false });
    expect((await entryOf(cache, { userId: a, contentType: "movie" }))!.stale).toBe(true);
  });

  it("a list computed from a version read before markStale or invalidateUser arrives stale", async () => {
    const cache = make();
    const a = user();
    expect(await cache.userVersion(a)).toBe(0);
    const before = await cache.userVersion(a);
    await cache.markStale(a); // an interaction while the job computes
    expect(await cache.userVersion(a)).toBe(before + 1);
    await cache.set({ userId: a, contentType: "music" }, bytes(1), MIN, { version: before });
    expect((await entryOf(cache, { userId: a, contentType: "music" }))!.stale).toBe(true);

    const beforeErase = await cache.userVersion(a);
    await cache.invalidateUser(a);
    await cache.set({ userId: a, contentType: "movie" }, bytes(1), MIN, { version: beforeErase });
    expect((await entryOf(cache, { userId: a, contentType: "movie" }))!.stale).toBe(true);
    await cache.set({ userId: a, contentType: "movie" }, bytes(2), MIN, { version: await cache.userVersion(a) });
    expect(await entryOf(cache, { userId: a, contentType: "movie" })).toEqual({ value: bytes(2), tag: entryTag(bytes(2)), stale: false });
  });

  it("drops a write computed at an older version than the stored list's", async () => {
    const cache = make();
    const a = user();
    const old = await cache.userVersion(a);
    await cache.markStale(a);
    const key: CacheKey = { userId: a, contentType: "event", geohash: "u4pru" };
    await cache.set(key, bytes(2), MIN, { version: await cache.userVersion(a) });
    await cache.set(key, bytes(1), MIN, { version: old }); // the slow job finishing last
    expect(await entryOf(cache, key)).toEqual({ value: bytes(2), tag: entryTag(bytes(2)), stale: false });
  });

  it("rejects keys that could collide or are not geohashes, non-positive TTLs and fractional versions", async () => {
    const cache = make();
    await expect(cache.get({ userId: "a:music", contentType: "movie" })).rejects.toThrow(RangeError);
    await expect(cache.get({ userId: "", contentType: "movie" })).rejects.toThrow(RangeError);
    await expect(cache.get({ userId: user(), contentType: "place", geohash: "U4PRU" })).rejects.toThrow(RangeError);
    await expect(cache.set({ userId: user(), contentType: "music" }, bytes(1), 0)).rejects.toThrow(RangeError);
    await expect(cache.set({ userId: user(), contentType: "music" }, bytes(1), MIN, { version: 1.5 })).rejects.toThrow(RangeError);
    await expect(cache.invalidateUser("x y")).rejects.toThrow(RangeError);
  });
});

describe("RedisRecommendationCache storage", () => {
  const cache = new RedisRecommendationCache(redis, { prefix, onError: (e) => errors.push(e) });

  it("uses the documented key names under its prefix, and every key it writes expires", async () => {
    const a = user();
    await cache.set({ userId: a, contentType: "place", geohash: "u4pru" }, bytes(7), MIN);
    await cache.set({ userId: a, contentType: "music" }, bytes(8), 2 * MIN);
    await cache.markStale(a);
    const keys = (await redis.keys(`${prefix}*${a}*`)).map((k) => k.slice(prefix.length)).sort();
    expect(keys).toEqual([`prefetch:${a}:music`, `prefetch:${a}:place:u4pru`, `user:${a}:lists`, `user:${a}:version`]);
    for (const k of keys) expect(await redis.pttl(prefix + k), k).toBeGreaterThan(0);
    // The index lives as long as the longest-lived entry, the version at least a day longer.
    const indexTtl = await redis.pttl(`${prefix}user:${a}:lists`);
    expect(indexTtl).toBeGreaterThan(MIN);
    expect(indexTtl).toBeLessThanOrEqual(2 * MIN);
    expect(await redis.pttl(`${prefix}user:${a}:version`)).toBeGreaterThan(24 * 60 * MIN - 5_000);
  });

  it("stores an entry as `{version}:{tag}:{bytes}` and takes one of another layout for a miss", async () => {
    const a = user();
    const key: CacheKey = { userId: a, contentType: "music" };
    await cache.set(key, bytes(0x7b, 0x7d), MIN, { version: 3 });
    expect((await redis.getBuffer(`${prefix}prefetch:${a}:music`))!.toString("latin1")).toBe(`3:${entryTag(bytes(0x7b, 0x7d))}:{}`);
    // The layout before tags (`{version}:{bytes}`), as a process of an older release would write it.
    await redis.set(`${prefix}prefetch:${a}:music`, "3:{}", "PX", MIN);
    expect(await entryOf(cache, key)).toBeUndefined();
    expect(await entryOf(cache, key, entryTag(bytes(0x7b, 0x7d)))).toBeUndefined();
  });

  it("prunes expired entries from the user's index on the next write", async () => {
    const a = user();
    for (const cell of ["u4pru", "u09tu", "dr5ru"]) await cache.set({ userId: a, contentType: "place", geohash: cell }, bytes(1), 50);
    await sleep(300);
    await cache.set({ userId: a, contentType: "music" }, bytes(1), MIN);
    expect(await redis.zrange(`${prefix}user:${a}:lists`, 0, -1)).toEqual([`${prefix}prefetch:${a}:music`]);
  });
});

describe("MemoryRecommendationCache bounds", () => {
  it("evicts the least recently used entries beyond maxEntries, a hit counting as a use", async () => {
    const cache = new MemoryRecommendationCache({ maxEntries: 3 });
    const a = user();
    const key = (contentType: CacheKey["contentType"]): CacheKey => ({ userId: a, contentType });
    await cache.set(key("music"), bytes(1), MIN);
    await cache.set(key("movie"), bytes(2), MIN);
    await cache.set(key("place"), bytes(3), MIN);
    await entryOf(cache, key("music"));
    await cache.set(key("event"), bytes(4), MIN);
    expect(cache.size).toBe(3);
    expect(await entryOf(cache, key("movie"))).toBeUndefined();
    expect(await entryOf(cache, key("music"))).toBeDefined();
    // The evicted entry is gone from the user's index too: only live entries are counted.
    expect(await cache.invalidateUser(a)).toBe(3);
  });

  it("evicts beyond maxBytes and never caches a value larger than the whole budget", async () => {
    const cache = new MemoryRecommendationCache({ maxBytes: 1000 });
    const a = user();
    await cache.set({ userId: a, contentType: "music" }, new Uint8Array(600), MIN);
    await cache.set({ userId: a, contentType: "movie" }, new Uint8Array(600), MIN);
    expect(await entryOf(cache, { userId: a, contentType: "music" })).toBeUndefined();
    expect(await entryOf(cache, { userId: a, contentType: "movie" })).toBeDefined();
    await cache.set({ userId: a, contentType: "place" }, new Uint8Array(1001), MIN);
    expect(await entryOf(cache, { userId: a, contentType: "place" })).toBeUndefined();
    expect(await entryOf(cache, { userId: a, contentType: "movie" })).toBeDefined();
  });

  it("sweeps expired entries as writes go on, without them being read", async () => {
    const cache = new MemoryRecommendationCache();
    for (let i = 0; i < 2000; i++) await cache.set({ userId: `sweep-${i}`, contentType: "music" }, bytes(1), 50);
    await sleep(200);
    for (let i = 0; i < 2100; i++) await cache.set({ userId: "busy", contentType: "music" }, bytes(1), MIN);
    expect(cache.size).toBe(1);
  });
});
