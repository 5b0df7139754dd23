import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import type { AccountPresence, AccountPresenceOptions } from "../../../server/domain/ports/account-presence.js";
import { MemoryAccountPresence } from "../../../server/persistence/presence/memory-account-presence.js";
import { RedisAccountPresence } from "../../../server/persistence/presence/redis-account-presence.js";
import { contractRedis } from "../ratelimit/redis-keys.js";

// Nothing in these tests may hit a store error (checked after the file).
const { redis, prefix, errors } = contractRedis("account-presence-contract");

const HOUR = 3_600_000;
type Make = (ttls?: Partial<AccountPresenceOptions>) => AccountPresence;
/** Each call is one more process of the same deployment (for memory: the one process, same store). */
const factories: [string, () => Make][] = [
  [
    "memory",
    () => {
      let shared: MemoryAccountPresence | undefined;
      return (ttls) => (shared ??= new MemoryAccountPresence({ existsTtlMs: HOUR, erasedTtlMs: HOUR, ...ttls, onError: (e) => errors.push(e) }));
    },
  ],
  ["redis", () => (ttls) => new RedisAccountPresence(redis, { prefix, existsTtlMs: HOUR, erasedTtlMs: HOUR, ...ttls, onError: (e) => errors.push(e) })],
];

let n = 0;
const user = () => `user-${++n}-${Date.now()}`;

describe.each(factories)("AccountPresence contract: %s", (_name, world) => {
  it("knows nothing of an account it was never told about", async () => {
    expect(await world()().known(user())).toBeUndefined();
  });

  it("remembers an existing account, for every process", async () => {
    const make = world();
    const [a, b] = [make(), make()];
    const id = user();
    await a.rememberExists(id);
    expect(await a.known(id)).toBe(true);
    expect(await b.known(id)).toBe(true);
    expect(await b.known(user())).toBeUndefined();
  });

  it("an erased mark replaces an exists mark, for every process", async () => {
    const make = world();
    const [a, b] = [make(), make()];
    const id = user();
    await a.rememberExists(id);
    await b.markErased(id);
    expect(await a.known(id)).toBe(false);
    expect(await b.known(id)).toBe(false);
  });

  it("never writes exists over an erased mark (a database read that raced the erasure)", async () => {
    const make = world();
    const [reader, eraser] = [make(), make()];
    const id = user();
    // The reader found the account in the database just before the eraser marked and deleted it.
    await eraser.markErased(id);
    await reader.rememberExists(id);
    expect(await reader.known(id)).toBe(false);
    expect(await eraser.known(id)).toBe(false);
  });

  it("unmarking an erasure leaves the account unknown (the database answers again)", async () => {
    const presence = world()();
    const id = user();
    await presence.rememberExists(id);
    await presence.markErased(id);
    await presence.unmarkErased(id);
    expect(await presence.known(id)).toBeUndefined();
    await presence.rememberExists(id);
    expect(await presence.known(id)).toBe(true);
  });

  it("unmarking removes only an erased mark, not an exists mark written since", async () => {
    const presence = world()();
    const id = user();
    await presence.rememberExists(id);
    await presence.unmarkErased(id);
    expect(await presence.known(id)).toBe(true);
  });

  it("forgets an exists mark after its TTL", async () => {
    const presence = world()({ existsTtlMs: 60 });
    const id = user();
    await presence.rememberExists(id);
    expect(await presence.known(id)).toBe(true);
    await sleep(120);
    expect(await presence.known(id)).toBeUndefined();
  });

  it("keeps an erased mark for its own TTL, not the exists TTL", async () => {
    const presence = world()({ existsTtlMs: 60, erasedTtlMs: 400 });
    const [id, other] = [user(), user()];
    await presence.markErased(id);
    await sleep(120);
    expect(await presence.known(id)).toBe(false);
    await sleep(400);
    expect(await presence.known(id)).toBeUndefined();
    // An expired erased mark no longer blocks an exists mark (a later erasure writes a new one).
    await presence.markErased(other);
    await presence.rememberExists(id);
    expect(await presence.known(id)).toBe(true);
  });

  it("refuses TTLs that are not whole positive milliseconds", () => {
    const make = world();
    for (const bad of [0, -5, 1.5, Number.NaN]) {
      expect(() => make({ existsTtlMs: bad })).toThrow(/existsTtlMs must be a whole number of milliseconds/);
    }
    expect(() => make({ erasedTtlMs: 0 })).toThrow(/erasedTtlMs/);
  });
});

describe("RedisAccountPresence layout and failures", () => {
  it("keeps one key per account: `account:{id}`, 1 or 0, each with its TTL", async () => {
    const presence = new RedisAccountPresence(redis, { prefix, existsTtlMs: 600_000, erasedTtlMs: 960_000 });
    const [alive, gone] = [user(), user()];
    await presence.rememberExists(alive);
    await presence.rememberExists(gone);
    await presence.markErased(gone);
    expect(await redis.get(`${prefix}account:${alive}`)).toBe("1");
    expect(await redis.get(`${prefix}account:${gone}`)).toBe("0");
    const [aliveTtl, goneTtl] = [await redis.pttl(`${prefix}account:${alive}`), await redis.pttl(`${prefix}account:${gone}`)];
    expect(aliveTtl).toBeGreaterThan(590_000);
    expect(aliveTtl).toBeLessThanOrEqual(600_000);
    expect(goneTtl).toBeGreaterThan(950_000);
    expect(goneTtl).toBeLessThanOrEqual(960_000);
  });

  it("with Redis unreachable: not known (the database answers), remembering skipped, reported; an erasure mark rejects", async () => {
    // Nothing listens on port 1; the app's settings make commands fail instead of queueing.
    const down = new Redis("redis://127.0.0.1:1", { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: () => null });
    down.on("error", () => {});
    const seen: Error[] = [];
    const presence = new RedisAccountPresence(down, { prefix, existsTtlMs: HOUR, erasedTtlMs: HOUR, onError: (e) => seen.push(e) });
    try {
      expect(await presence.known("u1")).toBeUndefined();
      await presence.rememberExists("u1");
      await presence.unmarkErased("u1");
      expect(seen).toHaveLength(3);
      await expect(presence.markErased("u1")).rejects.toThrow();
      expect(seen).toHaveLength(4);
    } finally {
      down.disconnect();
    }
  });
});

describe("MemoryAccountPresence bounds", () => {
  it("forgets the least recently used exists marks beyond its bound, but no erased mark", async () => {
    const presence = new MemoryAccountPresence({ existsTtlMs: HOUR, erasedTtlMs: HOUR, maxExists: 2 });
    await presence.markErased("gone");
    for (const id of ["a", "b", "c"]) await presence.rememberExists(id);
    expect(await presence.known("a")).toBeUndefined();
    expect([await presence.known("b"), await presence.known("c")]).toEqual([true, true]);
    expect(await presence.known("gone")).toBe(false);
  });
});
