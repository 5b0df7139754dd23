import { describe, expect, it } from "vitest";
import { seededRandom as random } from "../../../../worker/engine/synthetic-catalog.js";
import { starterEntries } from "../../../../bench/entry-encoding.js";
import type { ContentItemRecord } from "../../../../server/domain/content/records.js";
import type { ListEntry } from "../../../../server/domain/recommendations/lists.js";
import { reflectiveEntryBytes } from "../../../../server/handlers/content/encoded-entries.js";
import { encodeRecommendationEntry } from "../../../../server/handlers/content/recommendation-wire.js";

const now = new Date("2026-11-28T12:00:00.123Z");
const expiresAt = new Date("2026-11-28T13:00:00.456Z");

function entryOf(item: ContentItemRecord, n: number, extra: Partial<ListEntry> = {}): ListEntry {
  return { id: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`, item, relevanceScore: 1 - n / 1000, rankingPosition: n + 1, reasons: ["near you", "matches your interest in jazz"], ...extra };
}

const STRINGS = ["", "a", "Café ☕", "日本語の説明", "emoji 🎷🎶", "lone \ud800 surrogate", "x".repeat(200), "é".repeat(70), "line\nbreak \"quoted\""];

function randomJson(next: () => number, depth: number): unknown {
  const pick = next();
  if (depth > 2 || pick < 0.2) return STRINGS[Math.floor(next() * STRINGS.length)];
  if (pick < 0.35) return [0, -0, 1, -1, 2.5, -1e-9, 1e21, 2 ** 53, -(2 ** 31)][Math.floor(next() * 9)];
  if (pick < 0.45) return next() < 0.5;
  if (pick < 0.55) return null;
  if (pick < 0.75) return Array.from({ length: Math.floor(next() * 4) }, () => randomJson(next, depth + 1));
  return Object.fromEntries(Array.from({ length: Math.floor(next() * 4) }, (_, i) => [STRINGS[Math.floor(next() * STRINGS.length)]! + i, randomJson(next, depth + 1)]));
}

function randomEntry(next: () => number, n: number): ListEntry {
  const date = (): Date => new Date([0, 1, -1, -1500, 1_700_000_000_000, 1_700_000_000_999, -86_400_001, 4_102_444_800_000][Math.floor(next() * 8)]!);
  const str = () => STRINGS[Math.floor(next() * STRINGS.length)]!;
  const located = next() < 0.6;
  const item: ContentItemRecord = {
    id: str(),
    contentType: (["music", "movie", "event", "place"] as const)[Math.floor(next() * 4)]!,
    externalId: str(),
    title: str(),
    description: str(),
    tags: Array.from({ length: Math.floor(next() * 4) }, str),
    metadata: Object.fromEntries(Array.from({ length: Math.floor(next() * 5) }, (_, i) => [`${str()}${i}`, randomJson(next, 0)])),
    ...(located ? { latitude: [0, -0, 38.7223, -90, 179.999][Math.floor(next() * 5)]!, longitude: [0, -9.1393, 180, -0.5][Math.floor(next() * 4)]! } : next() < 0.5 ? { latitude: null, longitude: null } : {}),
    ...(next() < 0.4 ? { startTime: date(), endTime: next() < 0.5 ? date() : null } : {}),
    popularity: [0, -0, 0.5, 1, 1e-300, 123.456][Math.floor(next() * 6)]!,
    createdAt: date(),
    updatedAt: date(),
  };
  return entryOf(item, n, {
    id: str(),
    relevanceScore: [0, -0, 0.9999, -0.25, 1][Math.floor(next() * 5)]!,
    rankingPosition: [0, 1, 127, 128, 16_384, 2 ** 31 - 1, -1, -(2 ** 31)][Math.floor(next() * 8)]!,
    reasons: Array.from({ length: Math.floor(next() * 4) }, str),
    ...(next() < 0.5 ? { distanceKm: [0, -0, 0.1, 12.5][Math.floor(next() * 4)]! } : {}),
  });
}

describe("encodeRecommendationEntry", () => {
  it("writes the bytes protobuf-es writes, for every starter catalog item", () => {
    const entries = starterEntries(now);
    expect(entries.length).toBeGreaterThan(50);
    for (const e of entries) expect(encodeRecommendationEntry(e, expiresAt), e.item.title).toEqual(reflectiveEntryBytes(e, expiresAt));
  });

  it("writes the bytes protobuf-es writes, for random entries: defaults, negatives, -0, old dates, unicode, nested JSON", () => {
    for (let seed = 1; seed <= 400; seed++) {
      const e = randomEntry(random(seed), seed);
      expect(encodeRecommendationEntry(e, expiresAt), `seed ${seed}`).toEqual(reflectiveEntryBytes(e, expiresAt));
    }
  });

  it("leaves metadata that is not plain JSON, a fractional position and an invalid date to the reflective path", () => {
    const item = randomEntry(random(7), 7).item;
    for (const metadata of [{ when: new Date(0) }, { n: 1n }, { f: () => 1 }, { u: undefined }, Object.create(null) as Record<string, unknown>]) {
      expect(encodeRecommendationEntry(entryOf({ ...item, metadata }, 1), expiresAt)).toBeUndefined();
    }
    expect(encodeRecommendationEntry(entryOf(item, 1, { rankingPosition: 1.5 }), expiresAt)).toBeUndefined();
    expect(encodeRecommendationEntry(entryOf({ ...item, updatedAt: new Date(Number.NaN) }, 1), expiresAt)).toBeUndefined();
    expect(encodeRecommendationEntry(entryOf(item, 1), new Date(Number.NaN))).toBeUndefined();
    // The writer is shared: a refused entry leaves nothing behind for the next one.
    const e = entryOf(item, 2);
    expect(encodeRecommendationEntry(e, expiresAt)).toEqual(reflectiveEntryBytes(e, expiresAt));
  });
});
