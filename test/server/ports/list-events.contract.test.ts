import { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import type { ListEvents, ListReadyEvent } from "../../../server/domain/ports/list-events.js";
import { InProcessListEvents, unboundedBus } from "../../../server/persistence/events/in-process-list-events.js";
import { RedisListEvents } from "../../../server/persistence/events/redis-list-events.js";
import { uniquePrefix } from "../ratelimit/redis-keys.js";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const prefix = uniquePrefix("list-events-contract");
const connections: Redis[] = [];
const peers: ListEvents[] = [];
const errors: Error[] = [];

/** Peers of one world: separate adapter instances sharing one bus, as processes share one Redis. */
type World = () => ListEvents;

const factories: [string, () => World][] = [
  [
    "in-process",
    () => {
      const bus = unboundedBus();
      return () => track(new InProcessListEvents(bus, { onError: (e) => errors.push(e) }));
    },
  ],
  [
    "redis",
    () => () => {
      // The app's connection settings, one connection per simulated process.
      const redis = new Redis(REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
      connections.push(redis);
      return track(new RedisListEvents(redis, { prefix, onError: (e) => errors.push(e) }));
    },
  ],
];

function track(peer: ListEvents): ListEvents {
  peers.push(peer);
  return peer;
}

afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
  errors.length = 0;
});

afterAll(async () => {
  await Promise.all(connections.map((c) => c.quit()));
});

let n = 0;
const user = () => `user-${++n}-${Date.now()}`;
const WAIT = { timeout: 10_000, interval: 10 };
const event = (userId: string, extra: Partial<ListReadyEvent> = {}): ListReadyEvent => ({ userId, contentType: "music", generatedAt: 1_750_000_000_000 + n, ...extra });

describe.each(factories)("ListEvents contract: %s", (_name, makeWorld) => {
  it("delivers a user's events, in order, to that user's listeners in every process and to no one else", async () => {
    const peer = makeWorld();
    const [p1, p2, p3] = [peer(), peer(), peer()];
    const [a, b] = [user(), user()];
    const got = { a1: [] as ListReadyEvent[], a2: [] as ListReadyEvent[], b1: [] as ListReadyEvent[] };
    await p1.subscribe(a, (e) => got.a1.push(e));
    await p2.subscribe(a, (e) => got.a2.push(e));
    await p1.subscribe(b, (e) => got.b1.push(e));

    const forB = event(b, { contentType: "movie" });
    const placeForA = event(a, { contentType: "place", geohash: "u4pru" });
    const musicForA = event(a);
    await p3.publish(forB);
    await p3.publish(placeForA);
    await p1.publish(musicForA); // the publishing process hears its own events too

    await vi.waitFor(() => expect([got.a1.length, got.a2.length, got.b1.length]).toEqual([2, 2, 1]), WAIT);
    expect(got.a1).toEqual([placeForA, musicForA]);
    expect(got.a2).toEqual([placeForA, musicForA]);
    expect(got.b1).toEqual([forB]);
    expect("geohash" in got.a1[1]!).toBe(false);
    expect(Object.isFrozen(got.a1[0])).toBe(true);
  });

  it("unsubscribing stops delivery to that listener only, and is idempotent", async () => {
    const peer = makeWorld();
    const [p1, p2] = [peer(), peer()];
    const [a, c] = [user(), user()];
    const [l1, l2, sentinel]: ListReadyEvent[][] = [[], [], []];
    const same = (e: ListReadyEvent) => l1.push(e);
    const off1 = await p1.subscribe(a, same);
    const off2 = await p1.subscribe(a, (e) => l2.push(e));
    const offTwin = await p1.subscribe(a, same); // the same function twice is two listeners

    await p2.publish(event(a));
    await vi.waitFor(() => expect(l2).toHaveLength(1), WAIT);
    expect(l1).toHaveLength(2);

    await off1();
    await off1();
    await p2.publish(event(a));
    await vi.waitFor(() => expect(l2).toHaveLength(2), WAIT);
    expect(l1).toHaveLength(3); // only the twin still listens

    await offTwin();
    await off2();
    await p1.subscribe(c, (e) => sentinel.push(e));
    await p2.publish(event(a));
    await p2.publish(event(c));
    // Events reach a process in publish order, so once c's arrived, a's would have.
    await vi.waitFor(() => expect(sentinel).toHaveLength(1), WAIT);
    expect([l1.length, l2.length]).toEqual([3, 2]);
  });

  it("keeps delivering to the other listeners when one throws, and reports the throw", async () => {
    const peer = makeWorld();
    const [p1, p2] = [peer(), peer()];
    const a = user();
    const got: ListReadyEvent[] = [];
    await p1.subscribe(a, () => {
      throw new Error("listener bug");
    });
    await p1.subscribe(a, (e) => got.push(e));
    await expect(p2.publish(event(a))).resolves.toBeUndefined();
    await vi.waitFor(() => expect(got).toHaveLength(1), WAIT);
    expect(errors.map((e) => e.message)).toEqual(["listener bug"]);
  });

  it("after close a process hears nothing and refuses new subscriptions", async () => {
    const peer = makeWorld();
    const [p1, p2, p3] = [peer(), peer(), peer()];
    const a = user();
    const closedGot: ListReadyEvent[] = [];
    const openGot: ListReadyEvent[] = [];
    await p1.subscribe(a, (e) => closedGot.push(e));
    await p3.subscribe(a, (e) => openGot.push(e));
    await p1.close();
    await p2.publish(event(a));
    await vi.waitFor(() => expect(openGot).toHaveLength(1), WAIT);
    expect(closedGot).toEqual([]);
    await expect(p1.subscribe(a, () => {})).rejects.toThrow(/closed/);
  });

  it("refuses to publish something that is not a list-ready event", async () => {
    const p = makeWorld()();
    await expect(p.publish({ userId: user(), contentType: "book" as never, generatedAt: 1 })).rejects.toThrow(TypeError);
    await expect(p.publish({ userId: "", contentType: "music", generatedAt: 1 })).rejects.toThrow(TypeError);
    await expect(p.publish({ userId: user(), contentType: "music", generatedAt: Number.NaN })).rejects.toThrow(TypeError);
  });
});

describe("RedisListEvents channels", () => {
  const raw = new Redis(REDIS_URL);
  afterAll(async () => {
    await raw.quit();
  });
  const numsub = async (userId: string) => (await raw.pubsub("NUMSUB", `${prefix}list-ready:${userId}`))[1];

  it("subscribes one channel per user on one connection per process, and releases it with the last listener", async () => {
    const world = factories[1]![1]();
    const p1 = world();
    const a = user();
    const offs = await Promise.all([1, 2, 3].map(() => p1.subscribe(a, () => {})));
    expect(await numsub(a)).toBe(1);
    await offs[0]!();
    await offs[1]!();
    expect(await numsub(a)).toBe(1);
    await offs[2]!();
    expect(await numsub(a)).toBe(0);
    // An unsubscribe still in flight when the user subscribes again must not win.
    const off = await p1.subscribe(a, () => {});
    const leaving = off();
    const coming = p1.subscribe(a, () => {});
    await Promise.all([leaving, coming]);
    expect(await numsub(a)).toBe(1);
  });

  it("reports a message that is not an event instead of delivering it", async () => {
    const world = factories[1]![1]();
    const p1 = world();
    const a = user();
    const got: ListReadyEvent[] = [];
    await p1.subscribe(a, (e) => got.push(e));
    await raw.publish(`${prefix}list-ready:${a}`, "not json");
    await raw.publish(`${prefix}list-ready:${a}`, JSON.stringify(event("someone-else")));
    await world().publish(event(a));
    await vi.waitFor(() => expect(got).toHaveLength(1), WAIT);
    expect(errors).toHaveLength(2);
    expect(errors[1]!.message).toMatch(/someone-else/);
  });
});
