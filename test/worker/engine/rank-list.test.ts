import { describe, expect, it } from "vitest";
import type { ContentKind } from "../../../server/domain/content/kinds.js";
import { buildCatalogIndex } from "../../../worker/engine/catalog-index.js";
import { buildItemSimilarity } from "../../../worker/engine/item-similarity.js";
import { syntheticCatalog } from "../../../worker/engine/synthetic-catalog.js";
import { DEFAULT_WEIGHTS } from "../../../worker/engine/weights.js";
import { DAY, LISBON, NOW, TOKYO, ids, interaction, item, rankFor, starter } from "./fixtures.js";

const KINDS: readonly ContentKind[] = ["place", "event", "music", "movie"];

/** Share of the list carrying its most frequent tag. */
function dominantShare(list: readonly string[]): { tag: string; share: number } {
  const counts = new Map<string, number>();
  for (const id of list) for (const t of item(id).tags) counts.set(t, (counts.get(t) ?? 0) + 1);
  const [tag, n] = [...counts].sort((a, b) => b[1] - a[1])[0]!;
  return { tag, share: n / list.length };
}

const JAZZ_FAN = {
  profile: { interests: ["jazz", "fado", "techno"] },
  interactions: [
    interaction("fan", item("music-miles-davis-kind-of-blue"), "like"),
    interaction("fan", item("music-john-coltrane-a-love-supreme"), "save"),
    interaction("fan", item("music-charles-mingus-mingus-ah-um"), "like"),
  ],
};

describe("diversity", () => {
  it("keeps the best item first but stops one tag from taking the top 10", () => {
    const pure = rankFor({ kind: "music", ...JAZZ_FAN, weights: { ...DEFAULT_WEIGHTS, mmrLambda: 1 } });
    const diverse = rankFor({ kind: "music", ...JAZZ_FAN });
    // Precondition: by relevance alone, the liked albums' tag takes most slots.
    expect(dominantShare(ids(pure))).toEqual({ tag: "jazz", share: 0.7 });
    expect(ids(diverse)[0]).toBe(ids(pure)[0]);
    expect(dominantShare(ids(diverse)).share).toBeLessThanOrEqual(0.5);
    // The user's other interest gets a slot near the top.
    expect(ids(pure).slice(0, 3).some((id) => item(id).tags.includes("techno"))).toBe(false);
    expect(ids(diverse).slice(0, 3).some((id) => item(id).tags.includes("techno"))).toBe(true);
  });
});

describe("list contract", () => {
  const profile = { interests: ["history", "jazz", "street food"], archetypes: ["culture-seeker"], locationName: "Tokyo, Japan" };
  const interactions = [
    interaction("u", item("place-tokyo-tsukiji-outer-market"), "save", new Date(NOW.getTime() - 3 * DAY)),
    interaction("u", item("music-nujabes-modal-soul"), "like", new Date(NOW.getTime() - 10 * DAY)),
    interaction("u", item("movie-lost-in-translation-2003"), "click"),
  ];

  it("scores in [0, 1], never rising down the list, positions 1..n", () => {
    for (const kind of KINDS) {
      const result = rankFor({ kind, profile, interactions, location: TOKYO, limit: 20 });
      const recs = result.recommendations;
      expect(recs.length, kind).toBeGreaterThan(5);
      expect(recs.map((r) => r.rankingPosition)).toEqual(recs.map((_, n) => n + 1));
      for (const [n, r] of recs.entries()) {
        expect(r.relevanceScore).toBeGreaterThanOrEqual(0);
        expect(r.relevanceScore).toBeLessThanOrEqual(1);
        if (n > 0) expect(r.relevanceScore).toBeLessThanOrEqual(recs[n - 1]!.relevanceScore);
        expect(r.reasons.length).toBeGreaterThan(0);
        expect(r.reasons.length).toBeLessThanOrEqual(DEFAULT_WEIGHTS.reasons.maxPerItem);
      }
      expect(new Set(recs.map((r) => r.itemId)).size).toBe(recs.length);
    }
  });

  it("gives the same output for the same input, whatever the order interactions arrive in", () => {
    const crowd = buildItemSimilarity(
      [0, 1, 2].flatMap((u) => [interaction(`c${u}`, item("music-nujabes-modal-soul"), "like"), interaction(`c${u}`, item("music-bjork-homogenic"), "like")]),
      { topK: 10, now: NOW },
    );
    for (const kind of KINDS) {
      const once = rankFor({ kind, profile, interactions, location: TOKYO, similarity: crowd, limit: 20 });
      const freshIndex = buildCatalogIndex(kind, [...starter(kind)]);
      const again = rankFor({ kind, profile, interactions: [...interactions].reverse(), location: TOKYO, similarity: crowd, limit: 20, index: freshIndex });
      expect(again).toEqual(once);
    }
  });

  it("honours the limit", () => {
    expect(rankFor({ kind: "music", profile, limit: 3 }).recommendations).toHaveLength(3);
    expect(rankFor({ kind: "music", profile, limit: 0 }).recommendations).toEqual([]);
    // More than the candidates: all of them, not a scan of the rest of the catalog.
    const all = rankFor({ kind: "music", profile, limit: 1000 });
    expect(all.recommendations).toHaveLength(all.candidates);
  });
});

describe("cold start", () => {
  it("returns a full, varied list of music and films", () => {
    for (const kind of ["music", "movie"] as const) {
      const list = ids(rankFor({ kind, limit: 20 }));
      expect(list).toHaveLength(20);
      // Drama is on two films in three, so a quarter of the list is far below its catalog share.
      expect(dominantShare(list).share, `${kind}: ${dominantShare(list).tag}`).toBeLessThanOrEqual(0.25);
      expect(new Set(list.flatMap((id) => item(id).tags)).size).toBeGreaterThanOrEqual(40);
    }
  });

  it("returns a full list of nearby places across several categories, nearest favoured", () => {
    const result = rankFor({ kind: "place", location: LISBON, limit: 10 });
    expect(result.recommendations).toHaveLength(10);
    const categories = new Set(ids(result).map((id) => item(id).metadata["category"]));
    expect(categories.size).toBeGreaterThanOrEqual(5);
    for (const r of result.recommendations) expect(r.reasons).toContain(`${r.distanceKm! < 10 ? r.distanceKm!.toFixed(1) : Math.round(r.distanceKm!)} km away`);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const chosen = result.recommendations.map((r) => r.distanceKm!);
    const all = rankFor({ kind: "place", location: LISBON, limit: 100 }).recommendations.map((r) => r.distanceKm!);
    expect(mean(chosen)).toBeLessThan(mean(all));
  });
});

describe("candidate generation", () => {
  it("scores a bounded number of items however many lie in the radius", () => {
    // All around Lisbon, so thousands of places lie within the starting radius.
    const items = syntheticCatalog({ contentType: "place", count: 20_000, templates: starter("place"), cities: [LISBON], now: NOW });
    const index = buildCatalogIndex("place", items);
    const profile = { interests: ["jazz", "history", "food"], archetypes: ["night-owl"] };
    const result = rankFor({ kind: "place", index, profile, location: LISBON, limit: 20 });
    const inRadius = index.nearest(LISBON.latitude, LISBON.longitude, Infinity, result.radiusKm!).length;
    const c = DEFAULT_WEIGHTS.candidates;
    expect(inRadius).toBeGreaterThan(c.head + c.terms * c.perTermNearby); // precondition: a scan would exceed the bound
    expect(result.candidates).toBeLessThanOrEqual(c.head + c.terms * c.perTermNearby);
    expect(result.recommendations).toHaveLength(20);
  });

  it("scores music from postings and the popular head, not the whole catalog", () => {
    const items = syntheticCatalog({ contentType: "music", count: 20_000, templates: starter("music"), now: NOW });
    const index = buildCatalogIndex("music", items);
    const result = rankFor({ kind: "music", index, profile: { interests: ["jazz", "fado"] }, limit: 20 });
    const c = DEFAULT_WEIGHTS.candidates;
    expect(result.candidates).toBeLessThanOrEqual(c.head + 2 * 3 * c.perTerm); // two interests: a tag and a word each, plus slack
    expect(result.candidates).toBeLessThan(items.length / 10);
  });
});
