import { describe, expect, it, vi } from "vitest";
import type { ContentItemRecord } from "../../../server/domain/content/records.js";
import type { ProfileRecord } from "../../../server/domain/users/profile.js";
import { jsonListCodec } from "../../../server/domain/recommendations/json-list-codec.js";
import type { RecommendationList } from "../../../server/domain/recommendations/lists.js";
import { MemoryRecommendationCache } from "../../../server/persistence/cache/memory-recommendation-cache.js";
import { InProcessListEvents } from "../../../server/persistence/events/in-process-list-events.js";
import { CatalogIndexes } from "../../../worker/generation/catalog-indexes.js";
import { Generator, type UserSignals } from "../../../worker/generation/generator.js";

const NOW = new Date("2026-11-28T12:00:00Z");
const USER = "user-1";

const items: ContentItemRecord[] = Array.from({ length: 40 }, (_, i) => ({
  id: `item-${i}`,
  contentType: "music",
  externalId: `x${i}`,
  title: `Album ${i}`,
  description: "",
  tags: [i % 2 ? "jazz" : "rock"],
  metadata: {},
  popularity: i / 40,
  createdAt: NOW,
  updatedAt: NOW,
}));
const profile: ProfileRecord = { userId: USER, interests: ["jazz"], keywords: [], archetypes: [], travelHistory: [], createdAt: NOW, updatedAt: NOW };

function setup(
  options: { profile?: ProfileRecord; history?: UserSignals["history"]; replace?: (list: RecommendationList, basis?: Date) => Promise<boolean> } = { profile },
) {
  const stored: RecommendationList[] = [];
  const cache = new MemoryRecommendationCache();
  const events = new InProcessListEvents();
  const catalog = { items: [...items] };
  const indexes = new CatalogIndexes(
    { catalogSignature: async () => ({ count: catalog.items.length, lastUpdatedMs: 0 }), catalog: async () => catalog.items },
    { refreshMs: 60_000 },
  );
  const generator = new Generator({
    indexes,
    signals: { profile: async () => options.profile, history: options.history ?? (async () => ({ interactions: [], items: [] })) },
    similarity: async () => undefined,
    store: { replace: options.replace ?? (async (l) => (stored.push(l), true)) },
    cache,
    codec: jsonListCodec,
    events,
    settings: { listSize: 10, listTtlMs: 3_600_000, cacheTtlMs: 600_000, historyLimit: 100 },
    now: () => NOW,
  });
  return { generator, stored, cache, events, catalog, indexes };
}

describe("Generator", () => {
  it("stores, caches and announces a ranked list, with ids stable across regenerations", async () => {
    const { generator, stored, cache, events } = setup();
    const announced = vi.fn();
    await events.subscribe(USER, announced);
    const list = await generator.generate({ userId: USER, contentType: "music" });
    expect(list!.entries).toHaveLength(10);
    expect(list!.entries[0]!.item.tags).toContain("jazz");
    expect(stored).toEqual([list]);
    const cached = (await cache.get({ userId: USER, contentType: "music" })).entry;
    expect(cached?.stale).toBe(false);
    expect(jsonListCodec.decode(cached!.value!).entries.map((e) => e.id)).toEqual(list!.entries.map((e) => e.id));
    await vi.waitFor(() => expect(announced).toHaveBeenCalledWith({ userId: USER, contentType: "music", generatedAt: NOW.getTime() }));
    const again = await generator.generate({ userId: USER, contentType: "music" });
    expect(again!.entries.map((e) => e.id)).toEqual(list!.entries.map((e) => e.id));
  });

  it("ranks again when the user acted while the list was being made, so the stored list is never behind", async () => {
    const { generator, stored, cache } = setup();
    const version = vi.spyOn(cache, "userVersion");
    // The version read after the first write differs from the one read before it: one more round.
    version.mockResolvedValueOnce(0).mockResolvedValueOnce(1).mockResolvedValueOnce(1).mockResolvedValueOnce(1);
    await generator.generate({ userId: USER, contentType: "music" });
    expect(stored).toHaveLength(2);
  });

  it("answers the history's items from the loaded catalog indexes, so only unknown items are read", async () => {
    let held: ((id: string) => ContentItemRecord | undefined) | undefined;
    const { generator, catalog } = setup({
      profile,
      history: async (_user, _limit, holder) => ((held = holder), { interactions: [], items: [] }),
    });
    await generator.generate({ userId: USER, contentType: "music" });
    expect(held?.("item-3")).toBe(catalog.items[3]);
    expect(held?.("not-in-any-index")).toBeUndefined();
  });

  it("reads the user again when the store refuses a list made from an outdated profile, and announces only what it stored", async () => {
    const accepted: RecommendationList[] = [];
    // The first write is refused, as when the profile changed after the read.
    const replace = vi.fn(async (l: RecommendationList, _basis?: Date) => replace.mock.calls.length > 1 && (accepted.push(l), true));
    const { generator, events } = setup({ profile, replace });
    const announced = vi.fn();
    await events.subscribe(USER, announced);
    const list = await generator.generate({ userId: USER, contentType: "music" });
    expect(replace).toHaveBeenCalledTimes(2);
    expect(replace.mock.calls[0]![1]).toEqual(profile.updatedAt);
    expect(accepted).toEqual([list]);
    await vi.waitFor(() => expect(announced).toHaveBeenCalledTimes(1));
  });

  it("makes nothing for a user who no longer exists", async () => {
    const { generator, stored } = setup({});
    expect(await generator.generate({ userId: USER, contentType: "music" })).toBeUndefined();
    expect(stored).toEqual([]);
  });

  it("re-indexes the catalog when it changed: a new item can be recommended", async () => {
    const { generator, catalog, indexes } = setup();
    expect((await generator.generate({ userId: USER, contentType: "music" }))!.entries.map((e) => e.item.id)).not.toContain("brand-new");
    catalog.items.push({ ...items[1]!, id: "brand-new", externalId: "new", popularity: 1 });
    await indexes.refreshNow("music");
    const list = await generator.generate({ userId: USER, contentType: "music" });
    expect(list!.entries.map((e) => e.item.id)).toContain("brand-new");
  });
});
