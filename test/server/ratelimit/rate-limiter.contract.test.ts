import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { MemoryRateLimiter } from "../../../server/domain/ratelimit/memory-rate-limiter.js";
import type { RateLimiter } from "../../../server/domain/ratelimit/rate-limiter.js";
import { RedisRateLimiter } from "../../../server/persistence/ratelimit/redis-rate-limiter.js";
import { deleteKeys, uniquePrefix } from "./redis-keys.js";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
const prefix = uniquePrefix("ratelimit-contract");

afterAll(async () => {
  if (redis.status === "ready") {
    await deleteKeys(redis, prefix);
    await redis.quit();
  }
});

const factories: [string, () => Promise<RateLimiter>][] = [
  ["memory", async () => new MemoryRateLimiter()],
  [
    "redis",
    async () => {
      if (redis.status === "wait") await redis.connect();
      return new RedisRateLimiter(redis, { prefix });
    },
  ],
];

const MIN = 60_000;
let n = 0;
const key = () => `contract:${++n}`;

describe.each(factories)("RateLimiter contract: %s", (_name, make) => {
  it("admits up to the limit, then refuses, with remaining, reset and retry-after figures", async () => {
    const limiter = await make();
    const k = key();
    const t = Date.now();
    const admitted = [await limiter.hit(k, 3, MIN, t), await limiter.hit(k, 3, MIN, t + 1000), await limiter.hit(k, 3, MIN, t + 2000)];
    expect(admitted.map((d) => [d.allowed, d.limit, d.remaining, d.resetMs, d.retryAfterMs])).toEqual([
      [true, 3, 2, t + MIN, 0],
      [true, 3, 1, t + MIN, 0],
      [true, 3, 0, t + MIN, 0],
    ]);
    const refused = await limiter.hit(k, 3, MIN, t + 3000);
    expect(refused).toEqual({ allowed: false, limit: 3, remaining: 0, resetMs: t + MIN, retryAfterMs: MIN - 3000 });
  });

  it("slides: each admitted call frees its slot exactly one window later, and refused calls are not counted", async () => {
    const limiter = await make();
    const k = key();
    const t = Date.now();
    await limiter.hit(k, 2, MIN, t);
    await limiter.hit(k, 2, MIN, t + 10_000);
    // Refusals in between must not extend the wait.
    for (const dt of [20_000, 30_000, 59_999]) expect((await limiter.hit(k, 2, MIN, t + dt)).allowed).toBe(false);
    // The call at t leaves the window at t + MIN (entries at or before now - window are gone).
    const slid = await limiter.hit(k, 2, MIN, t + MIN);
    expect(slid).toMatchObject({ allowed: true, remaining: 0, resetMs: t + 10_000 + MIN });
    const next = await limiter.hit(k, 2, MIN, t + MIN + 1);
    expect(next).toMatchObject({ allowed: false, retryAfterMs: 10_000 - 1 });
    // Two windows later everything has aged out.
    expect(await limiter.hit(k, 2, MIN, t + 3 * MIN)).toMatchObject({ allowed: true, remaining: 1, resetMs: t + 4 * MIN });
  });

  it("admits exactly the limit out of 50 parallel calls, each with a distinct remaining count", async () => {
    const limiter = await make();
    const k = key();
    const decisions = await Promise.all(Array.from({ length: 50 }, () => limiter.hit(k, 10, MIN)));
    const admitted = decisions.filter((d) => d.allowed);
    expect(admitted).toHaveLength(10);
    expect(admitted.map((d) => d.remaining).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const d of decisions.filter((x) => !x.allowed)) {
      expect(d.remaining).toBe(0);
      expect(d.retryAfterMs).toBeGreaterThan(0);
      expect(d.retryAfterMs).toBeLessThanOrEqual(MIN);
    }
  });

  it("uses its own clock when none is passed", async () => {
    const limiter = await make();
    const before = Date.now();
    const d = await limiter.hit(key(), 5, MIN);
    // Generous bounds: the Redis clock is a different process's, and the machine is shared.
    expect(d.resetMs).toBeGreaterThanOrEqual(before + MIN - 5_000);
    expect(d.resetMs).toBeLessThanOrEqual(Date.now() + MIN + 5_000);
  });

  it("keeps keys apart", async () => {
    const limiter = await make();
    const [a, b] = [key(), key()];
    const t = Date.now();
    await limiter.hit(a, 1, MIN, t);
    expect((await limiter.hit(a, 1, MIN, t)).allowed).toBe(false);
    expect(await limiter.hit(b, 1, MIN, t)).toMatchObject({ allowed: true, remaining: 0 });
    expect((await limiter.hit(b, 1, MIN, t)).allowed).toBe(false);
  });
});

describe("RedisRateLimiter storage", () => {
  it("keeps each key under its prefix, expiring with its newest entry", async () => {
    const limiter = (await factories[1]![1]()) as RedisRateLimiter;
    const k = key();
    await limiter.hit(k, 5, MIN);
    expect(await redis.zcard(`${prefix}${k}`)).toBe(1);
    const ttl = await redis.pttl(`${prefix}${k}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(MIN);
  });
});

describe("MemoryRateLimiter memory", () => {
  it("drops keys whose calls have all left the window", async () => {
    const limiter = new MemoryRateLimiter();
    const t = Date.now();
    for (let i = 0; i < 3000; i++) await limiter.hit(`k${i}`, 5, MIN, t);
    expect(limiter.size).toBe(3000);
    for (let i = 0; i < 3100; i++) await limiter.hit("busy", 1_000_000, MIN, t + MIN + i);
    expect(limiter.size).toBe(1);
  });
});
