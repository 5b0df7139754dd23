import { describe, expect, it } from "vitest";
import type { ContentItemRecord } from "../../../../server/domain/content/records.js";
import { jsonListCodec } from "../../../../server/domain/recommendations/json-list-codec.js";
import type { RecommendationList } from "../../../../server/domain/recommendations/lists.js";

const AT = new Date("2026-11-29T03:00:00.125Z");
const item = (n: number, extra: Partial<ContentItemRecord> = {}): ContentItemRecord => ({
  id: `item-${n}`,
  contentType: "event",
  externalId: `x-${n}`,
  title: `Fado "ao vivo" nº ${n} — Alfama ✓`,
  description: "Quotes \" backslashes \\ and\nnew lines",
  tags: ["fado", "live music"],
  metadata: { venue: { name: "Clube", seats: 80 }, prices: [10, 12.5], free: false, note: null },
  latitude: 38.71,
  longitude: -9.13,
  startTime: new Date(AT.getTime() + 3_600_000),
  endTime: null,
  popularity: 0.4,
  createdAt: AT,
  updatedAt: AT,
  ...extra,
});
const listOf = (items: ContentItemRecord[], geohash = "eycs0"): RecommendationList => ({
  userId: "user-1",
  contentType: "event",
  geohash,
  generatedAt: AT,
  expiresAt: new Date(AT.getTime() + 60_000),
  entries: items.map((it, i) => ({
    id: `rec-${i}`,
    item: it,
    relevanceScore: 1 - i / 10,
    rankingPosition: i + 1,
    reasons: [`reason ${i}`, "starts in 1 hour"],
    ...(i % 2 === 0 ? { distanceKm: 0.25 * i } : {}),
  })),
});
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe("jsonListCodec", () => {
  it("writes what JSON.stringify writes (members aside from their order), for lists with and without entries", () => {
    for (const list of [listOf([item(1), item(2, { latitude: null, longitude: null, startTime: null }), item(3)]), listOf([], "")]) {
      expect(JSON.parse(text(jsonListCodec.encode(list)))).toEqual(JSON.parse(JSON.stringify(list)));
    }
  });

  it("reads back the list it wrote, dates as dates", () => {
    const list = listOf([item(1), item(2)]);
    expect(jsonListCodec.decode(jsonListCodec.encode(list))).toEqual(list);
  });

  it("writes an item shared by several lists the same in each, and a changed record (same id) as it now is", () => {
    const shared = item(7);
    const first = listOf([shared, item(8)]);
    const second = { ...listOf([item(9), shared]), userId: "user-2" };
    expect(jsonListCodec.decode(jsonListCodec.encode(first)).entries[0]!.item).toEqual(shared);
    expect(jsonListCodec.decode(jsonListCodec.encode(second)).entries[1]!.item).toEqual(shared);
    const renamed = { ...shared, title: "Renamed" };
    expect(jsonListCodec.decode(jsonListCodec.encode(listOf([renamed]))).entries[0]!.item.title).toBe("Renamed");
  });

  it("refuses bytes that are not an encoded list", () => {
    expect(() => jsonListCodec.decode(new TextEncoder().encode('{"entries": 3}'))).toThrow(/not an encoded recommendation list/);
  });
});
