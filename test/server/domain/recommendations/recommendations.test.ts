import { randomBytes } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import type { ContentKind } from "../../../../server/domain/content/kinds.js";
import type { ContentItemRecord, InteractionRecord } from "../../../../server/domain/content/records.js";
import { DomainError } from "../../../../server/domain/errors.js";
import type { EnqueueOptions, JobPayloads, JobQueue, JobType } from "../../../../server/domain/ports/job-queue.js";
import { jsonListCodec } from "../../../../server/domain/recommendations/json-list-codec.js";
import { ListPageTokens } from "../../../../server/domain/recommendations/list-page-tokens.js";
import type { ListCodec, ListKey, RecommendationList, RecommendationStore } from "../../../../server/domain/recommendations/lists.js";
import { Recommendations } from "../../../../server/domain/recommendations/recommendations.js";
import { MemoryRecommendationCache } from "../../../../server/persistence/cache/memory-recommendation-cache.js";
import { InProcessListEvents } from "../../../../server/persistence/events/in-process-list-events.js";

const USER = "6f1c2a52-4c1e-4a8e-9d59-0b7a3c1e2f10";
const LISBON = { latitude: 38.7103, longitude: -9.1366 };
const NOW = new Date("2026-11-28T12:00:00Z");

/** The stored lists, as the database would hold them (expiry honoured by find). */
class FakeStore implements RecommendationStore {
  readonly lists = new Map<string, RecommendationList>();
  readonly deletedUsers: string[] = [];
  private id = (k: ListKey) => `${k.userId}|${k.contentType}|${k.geohash}`;
  async find(key: ListKey, now: Date) {
    const list = this.lists.get(this.id(key));
    return list && list.expiresAt > now ? list : undefined;
  }
  async replace(list: RecommendationList) {
    this.lists.set(this.id(list), list);
    return true;
  }
  async deleteUser(userId: string) {
    this.deletedUsers.push(userId);
    let deleted = 0;
    for (const [id, l] of this.lists) if (l.userId === userId) deleted += Number(this.lists.delete(id));
    return deleted;
  }
  async deleteExpired() {
    return 0;
  }
  async expiringForActiveUsers() {
    return [];
  }
}

/** Records what was enqueued; runs nothing. */
class RecordingQueue implements JobQueue {
  readonly jobs: { type: JobType; payload: unknown; options?: EnqueueOptions }[] = [];
  async enqueue<T extends JobType>(type: T, payload: JobPayloads[T], options?: EnqueueOptions) {
    this.jobs.push({ type, payload, options });
    return { id: options?.jobId ?? String(this.jobs.length), duplicate: false };
  }
  process() {}
  async depth() {
    return {} as Record<JobType, number>;
  }
  async close() {}
}

function item(n: number, contentType: ContentKind = "music"): ContentItemRecord {
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`,
    contentType,
    externalId: `x${n}`,
    title: `Item ${n}`,
    description: "",
    tags: ["jazz"],
    metadata: {},
    popularity: 0.5,
    createdAt: NOW,
    updatedAt: NOW,
  };
}

function list(size: number, key: Partial<ListKey> = {}, expiresAt = new Date(NOW.getTime() + 3_600_000)): RecommendationList {
  return {
    userId: USER,
    contentType: "music",
    geohash: "",
    ...key,
    generatedAt: NOW,
    expiresAt,
    entries: Array.from({ length: size }, (_, i) => ({ id: `rec-${i}`, item: item(i), relevanceScore: 1 - i / 100, rankingPosition: i + 1, reasons: ["r"] })),
  };
}

function setup(overrides: { profileLocation?: typeof LISBON; codec?: ListCodec } = {}) {
  const store = new FakeStore();
  const queue = new RecordingQueue();
  const cache = new MemoryRecommendationCache();
  const events = new InProcessListEvents();
  const onError = vi.fn();
  const onCacheLookup = vi.fn();
  const pageTokens = new ListPageTokens(randomBytes(32));
  const recommendations = new Recommendations({
    store,
    cache,
    codec: overrides.codec ?? jsonListCodec,
    queue,
    events,
    pageTokens,
    profileLocation: async () => overrides.profileLocation,
    settings: { cacheTtlMs: 60_000, geohashPrecision: 5, analyticsDelayMs: 1_000, watchRecheckMs: 60_000, memoLists: 16 },
    now: () => NOW,
    onCacheLookup,
    onError,
  });
  return { store, queue, cache, events, onError, onCacheLookup, pageTokens, recommendations };
}

const interaction = (type: InteractionRecord["interactionType"], extra: Partial<InteractionRecord> = {}): InteractionRecord => ({
  id: "i1",
  userId: USER,
  contentItemId: item(0).id,
  contentType: "music",
  interactionType: type,
  createdAt: NOW,
  ...extra,
});

async function violations(call: Promise<unknown>): Promise<string[]> {
  const err = await call.then(
    () => expect.fail("should be refused"),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DomainError);
  expect((err as DomainError).kind).toBe("invalid_argument");
  return (err as DomainError).violations.map((v) => v.field);
}

describe("Recommendations.page", () => {
  it("names every bad field at once", async () => {
    const { recommendations } = setup();
    expect(await violations(recommendations.page(USER, { pageSize: 101, location: { latitude: 91, longitude: 0 } }))).toEqual(
      expect.arrayContaining(["content_type", "page_size", "location.latitude"]),
    );
  });

  it("answers GENERATING and queues one coalescing job when nothing is stored; a place job carries the profile's cell", async () => {
    const { recommendations, queue } = setup({ profileLocation: LISBON });
    const answer = await recommendations.page(USER, { contentType: "place" });
    expect(answer).toEqual({ answer: { status: "generating" }, entries: [], nextPageToken: "" });
    expect(queue.jobs).toEqual([
      {
        type: "generate",
        payload: { userId: USER, contentType: "place", geohash: "eycs0", ...LISBON },
        options: { jobId: `generate:${USER}:place:eycs0` },
      },
    ]);
  });

  it("serves a stored list from the database, caches it, and then serves the cache", async () => {
    const { recommendations, store, queue, onCacheLookup } = setup();
    await store.replace(list(30));
    const first = await recommendations.page(USER, { contentType: "music" });
    expect(first.answer).toMatchObject({ status: "ready", source: "database" });
    expect(first.entries.map((e) => e.rankingPosition)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const second = await recommendations.page(USER, { contentType: "music" });
    expect(second.answer).toMatchObject({ status: "ready", source: "cache" });
    expect(second.entries).toEqual(first.entries);
    expect(onCacheLookup.mock.calls).toEqual([
      ["music", false],
      ["music", true],
    ]);
    expect(queue.jobs).toEqual([]);
  });

  it("answers a repeated cache hit with the list decoded before, the cache sending no bytes, until the entry changes", async () => {
    let decoded = 0;
    const codec: ListCodec = { encode: jsonListCodec.encode, decode: (b) => (decoded++, jsonListCodec.decode(b)) };
    const { recommendations, store, cache } = setup({ codec });
    const answers: boolean[] = [];
    const get = cache.get.bind(cache);
    cache.get = async (key, held) => {
      const answer = await get(key, held);
      answers.push(answer.entry?.value !== undefined);
      return answer;
    };
    await store.replace(list(30));
    await recommendations.page(USER, { contentType: "music" }); // from the database, then cached
    const first = await recommendations.page(USER, { contentType: "music" });
    const again = await recommendations.page(USER, { contentType: "music" });
    expect(first.answer).toMatchObject({ status: "ready", source: "cache" });
    expect(again.answer).toEqual(first.answer);
    expect(again.answer.status === "ready" && first.answer.status === "ready" && again.answer.list === first.answer.list).toBe(true);
    expect(decoded).toBe(1);
    expect(answers).toEqual([false, true, false]);
    // A new list in the cache: its bytes come, and are decoded.
    const changed = { ...list(30), entries: list(30).entries.toReversed() };
    await cache.set({ userId: USER, contentType: "music" }, jsonListCodec.encode(changed), 60_000);
    const after = await recommendations.page(USER, { contentType: "music" });
    expect(after.entries[0]!.id).toBe("rec-29");
    expect(decoded).toBe(2);
    expect(answers.at(-1)).toBe(true);
  });

  it("shares one record per item version between the lists it holds, and lends them to a database read", async () => {
    const { recommendations, store, cache } = setup();
    const OTHER = "0b6e1f2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b";
    const itemsOf = async (userId: string, source: "cache" | "database") => {
      const { answer } = await recommendations.page(userId, { contentType: "music" });
      expect(answer).toMatchObject({ status: "ready", source });
      return answer.status === "ready" ? answer.list.entries.map((e) => e.item) : [];
    };
    await store.replace(list(5));
    const firstRead = await itemsOf(USER, "database");
    const held = await itemsOf(USER, "cache");
    // The other user's list, encoded elsewhere (the worker): item 4 was updated since, the rest is the same.
    const updated = { ...item(4), title: "Item 4, renamed", updatedAt: new Date(NOW.getTime() + 1_000) };
    const other = { ...list(5, { userId: OTHER }), entries: list(5).entries.map((e, i) => (i === 4 ? { ...e, item: updated } : e)) };
    await cache.set({ userId: OTHER, contentType: "music" }, jsonListCodec.encode(other), 60_000);
    const others = await itemsOf(OTHER, "cache");
    // The cache entry gone, the stored list is read again: its rows come back as the held records.
    await cache.invalidateUser(USER);
    const reread = await itemsOf(USER, "database");
    for (let i = 0; i < 4; i++) {
      expect(firstRead[i]).not.toBe(held[i]); // nothing was held yet
      expect(others[i]).toBe(held[i]);
      expect(reread[i]).toBe(held[i]);
    }
    expect(others[4]).not.toBe(held[4]);
    expect(others[4]).toEqual(updated);
    expect(reread[4]).toBe(held[4]);
    expect(held[4]).toEqual(item(4));
  });

  it("caches a stored list at the version read with the cache, so a verdict during the database read makes it stale", async () => {
    const { recommendations, store, cache } = setup();
    await store.replace(list(30));
    const versionReads = vi.spyOn(cache, "userVersion");
    // A dislike lands while the stored list is being read.
    const find = store.find.bind(store);
    store.find = async (key, now) => {
      const found = await find(key, now);
      await cache.markStale(USER);
      return found;
    };
    expect((await recommendations.page(USER, { contentType: "music" })).answer).toMatchObject({ status: "ready", source: "database" });
    expect(versionReads).not.toHaveBeenCalled();
    // The entry written then is behind the user's version: not served as current.
    expect((await cache.get({ userId: USER, contentType: "music" })).entry?.stale).toBe(true);
  });

  it("pages with tokens bound to the list, and refuses a token of another query", async () => {
    const { recommendations, store } = setup();
    await store.replace(list(25));
    const p1 = await recommendations.page(USER, { contentType: "music", pageSize: 10 });
    const p2 = await recommendations.page(USER, { contentType: "music", pageSize: 10, pageToken: p1.nextPageToken });
    const p3 = await recommendations.page(USER, { contentType: "music", pageSize: 10, pageToken: p2.nextPageToken });
    expect([...p1.entries, ...p2.entries, ...p3.entries].map((e) => e.rankingPosition)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(p3.nextPageToken).toBe("");
    expect(await violations(recommendations.page(USER, { contentType: "movie", pageToken: p1.nextPageToken }))).toEqual(["page_token"]);
    expect(await violations(recommendations.page(USER, { contentType: "music", pageToken: `${p1.nextPageToken}x` }))).toEqual(["page_token"]);
  });

  it("signs each page token of a held list once, and a new list's afresh", async () => {
    const { recommendations, store, cache, pageTokens } = setup();
    await store.replace(list(25));
    await recommendations.page(USER, { contentType: "music", pageSize: 10 }); // from the database, then cached
    const encode = vi.spyOn(pageTokens, "encode");
    const first = await recommendations.page(USER, { contentType: "music", pageSize: 10 });
    const again = await recommendations.page(USER, { contentType: "music", pageSize: 10 });
    const second = await recommendations.page(USER, { contentType: "music", pageSize: 10, pageToken: first.nextPageToken });
    const secondAgain = await recommendations.page(USER, { contentType: "music", pageSize: 10, pageToken: first.nextPageToken });
    expect(again.nextPageToken).toBe(first.nextPageToken);
    expect(secondAgain.nextPageToken).toBe(second.nextPageToken);
    expect(second.nextPageToken).not.toBe(first.nextPageToken);
    expect(encode.mock.calls.map(([, offset]) => offset)).toEqual([10, 20]);
    // The tokens still page through the list.
    const third = await recommendations.page(USER, { contentType: "music", pageSize: 10, pageToken: second.nextPageToken });
    expect(third.entries.map((e) => e.rankingPosition)).toEqual([21, 22, 23, 24, 25]);
    // Another list (new bytes in the cache) is another object: its tokens are signed for it.
    await cache.set({ userId: USER, contentType: "music" }, jsonListCodec.encode({ ...list(25), entries: list(25).entries.toReversed() }), 60_000);
    const changed = await recommendations.page(USER, { contentType: "music", pageSize: 10 });
    expect(changed.entries[0]!.id).toBe("rec-24");
    expect(encode.mock.calls.map(([, offset]) => offset)).toEqual([10, 20, 10]);
  });

  it("does not serve an expired stored list", async () => {
    const { recommendations, store } = setup();
    await store.replace(list(5, {}, new Date(NOW.getTime() - 1)));
    expect((await recommendations.page(USER, { contentType: "music" })).answer.status).toBe("generating");
  });
});

describe("Recommendations.interactionLogged", () => {
  it("makes cached lists stale on a verdict, so the next read regenerates instead of serving them", async () => {
    const { recommendations, store, queue } = setup();
    await store.replace(list(5));
    await recommendations.page(USER, { contentType: "music" }); // now cached
    await recommendations.interactionLogged(interaction("view"), false);
    expect((await recommendations.page(USER, { contentType: "music" })).answer).toMatchObject({ source: "cache" });
    await recommendations.interactionLogged(interaction("dislike"), false);
    expect((await recommendations.page(USER, { contentType: "music" })).answer.status).toBe("generating");
    expect(queue.jobs.map((j) => j.type)).toEqual(["interaction-analytics", "generate", "interaction-analytics", "generate"]);
  });

  it("does nothing for a duplicate, and never fails the call when the cache or queue is down", async () => {
    const { recommendations, cache, queue, onError } = setup();
    await recommendations.interactionLogged(interaction("like"), true);
    expect(queue.jobs).toEqual([]);
    vi.spyOn(cache, "markStale").mockRejectedValue(new Error("redis down"));
    vi.spyOn(queue, "enqueue").mockRejectedValue(new Error("redis down"));
    await expect(recommendations.interactionLogged(interaction("like"), false)).resolves.toBeUndefined();
    await new Promise((r) => setImmediate(r));
    expect(onError.mock.calls.map((c) => c[1])).toEqual(
      expect.arrayContaining(["mark cached lists stale", "queue regeneration after a verdict", "queue interaction analytics"]),
    );
  });
});

describe("Recommendations.hooks", () => {
  it("on a profile change drops cached and stored lists and queues a refresh of the user", async () => {
    const { recommendations, store, queue } = setup();
    await store.replace(list(5));
    await recommendations.page(USER, { contentType: "music" });
    await recommendations.hooks().profileChanged(USER);
    expect(store.deletedUsers).toEqual([USER]);
    expect(queue.jobs).toEqual([{ type: "refresh-user", payload: { userId: USER }, options: { jobId: `refresh-user:${USER}` } }]);
  });

  it("leaves no list of the old profile to a read that runs between its steps", async () => {
    const { recommendations, store, cache } = setup();
    await store.replace(list(5));
    expect((await recommendations.page(USER, { contentType: "music" })).answer.status).toBe("ready");
    // A concurrent read (a watch stream woken by another list's event, say) completes right after
    // each step: had the cache been invalidated before the stored lists went, that read would cache
    // the old list at the new version, fresh.
    const readBetween = <A extends unknown[], R>(step: (...args: A) => Promise<R>) => async (...args: A) => {
      const result = await step(...args);
      await recommendations.page(USER, { contentType: "music" });
      return result;
    };
    cache.invalidateUser = readBetween(cache.invalidateUser.bind(cache));
    store.deleteUser = readBetween(store.deleteUser.bind(store));
    await recommendations.hooks().profileChanged(USER);
    expect((await recommendations.page(USER, { contentType: "music" })).answer.status).toBe("generating");
  });
});

describe("Recommendations.watch", () => {
  it("sends GENERATING, then the list when its ready event arrives, and unsubscribes when aborted", async () => {
    const { recommendations, store, events } = setup();
    const abort = new AbortController();
    const seen: string[] = [];
    const done = (async () => {
      for await (const answer of recommendations.watch(USER, { contentType: "music" }, abort.signal)) {
        seen.push(answer.status === "ready" ? `ready:${answer.list.entries.length}` : answer.status);
        if (answer.status === "ready") abort.abort();
      }
    })();
    await vi.waitFor(() => expect(seen).toEqual(["generating"]));
    await store.replace(list(7));
    // Another user's event, or another content type's, must not wake this stream.
    await events.publish({ userId: USER, contentType: "movie", generatedAt: NOW.getTime() });
    await events.publish({ userId: USER, contentType: "music", generatedAt: NOW.getTime() });
    await done;
    expect(seen).toEqual(["generating", "ready:7"]);
  });
});

describe("Recommendations with the job queue down", () => {
  it("answers unavailable with a retry delay instead of GENERATING when no job could be queued", async () => {
    const { recommendations, queue, onError } = setup();
    vi.spyOn(queue, "enqueue").mockRejectedValue(new Error("job queue: Redis did not accept the generate job within 2000 ms"));
    const err = await recommendations.page(USER, { contentType: "music" }).then(
      () => expect.fail("should be refused"),
      (e: unknown) => e as DomainError,
    );
    expect(err).toMatchObject({ kind: "unavailable", reason: "UNAVAILABLE", options: { retryAfterMs: 2_000 } });
    expect(onError).toHaveBeenCalledWith(expect.any(Error), "queue a generation job");
  });
});
