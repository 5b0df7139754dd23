import { describe, expect, it } from "vitest";
import type { ContentItemRecord } from "../../../server/domain/content/records.js";
import { buildCatalogIndex } from "../../../worker/engine/catalog-index.js";
import { seededRandom } from "../../../worker/engine/synthetic-catalog.js";
import { words } from "../../../worker/engine/terms.js";
import { LISBON, NOW, haversineKm, pointOf, starter, starterIndex } from "./fixtures.js";

function place(id: string, tags: string[], latitude: number, longitude: number, popularity = 0): ContentItemRecord {
  return {
    id,
    contentType: "place",
    externalId: id,
    title: id,
    description: "",
    tags,
    metadata: {},
    latitude,
    longitude,
    popularity,
    createdAt: NOW,
    updatedAt: NOW,
  };
}

/** Brute force: the located items within radius passing `keep`, nearest first. */
function bruteNearest(items: readonly ContentItemRecord[], radiusKm: number, keep: (i: ContentItemRecord) => boolean): string[] {
  return items
    .filter((i) => i.latitude != null && keep(i))
    .map((i) => ({ id: i.id, d: haversineKm(LISBON, pointOf(i)) }))
    .filter((x) => x.d <= radiusKm)
    .sort((a, b) => a.d - b.d)
    .map((x) => x.id);
}

describe("words", () => {
  it("folds case and accents, drops stop-words and numbers, keeps hyphenated tags whole", () => {
    expect(words("The Torre de Belém, built in 1515 — a K-Pop late-night spot's view")).toEqual([
      "torre",
      "de",
      "belem",
      "built",
      "k-pop",
      "late-night",
      "spot",
      "view",
    ]);
  });
});

describe("catalog index", () => {
  const places = starter("place");
  const index = starterIndex("place");

  it("finds the nearest places within a radius, nearest first, exactly as a full scan would", () => {
    const found = index.nearest(LISBON.latitude, LISBON.longitude, 1000, 5).map((p) => index.items[p]!.id);
    expect(found.length).toBeGreaterThan(5);
    expect(found).toEqual(bruteNearest(places, 5, () => true));
    expect(index.nearest(LISBON.latitude, LISBON.longitude, 3, 5)).toHaveLength(3);
  });

  it("answers per-tag spatial queries for short postings (scanned) and long ones (own tree) alike", () => {
    const jazz = index.termId("tag:jazz")!;
    const found = index.nearestWith(jazz, LISBON.latitude, LISBON.longitude, 10, 400).map((p) => index.items[p]!.id);
    expect(found).toEqual(bruteNearest(places, 400, (i) => i.tags.includes("jazz")).slice(0, 10));

    // 300 synthetic places around Lisbon, every third one tagged "bar": well over the tree threshold.
    const random = seededRandom(7);
    const many = Array.from({ length: 300 }, (_, n) =>
      place(`p${n}`, n % 3 === 0 ? ["bar", "food"] : ["food"], LISBON.latitude + (random() - 0.5) * 0.2, LISBON.longitude + (random() - 0.5) * 0.2),
    );
    const big = buildCatalogIndex("place", many);
    const bar = big.termId("tag:bar")!;
    const accept = (p: number) => p % 2 === 0; // an arbitrary filter must be honoured inside the tree walk
    const viaTree = big.nearestWith(bar, LISBON.latitude, LISBON.longitude, 25, 6, accept).map((p) => big.items[p]!.id);
    const expected = bruteNearest(many, 6, (i) => i.tags.includes("bar") && Number(i.id.slice(1)) % 2 === 0).slice(0, 25);
    expect(viaTree).toEqual(expected);
  });

  it("keeps each posting sorted by popularity, most popular first", () => {
    const items = [place("a", ["x"], 0, 0, 0.1), place("b", ["x"], 0, 0, 0.9), place("c", ["x", "y"], 0, 0, 0.5), place("d", ["y"], 0, 0, 2)];
    const small = buildCatalogIndex("place", items);
    const name = (ps: ArrayLike<number>) => Array.from(ps, (p) => small.items[p]!.id);
    expect(name(small.mostPopularWith(small.termId("tag:x")!, 10))).toEqual(["b", "c", "a"]);
    expect(name(small.mostPopularWith(small.termId("tag:x")!, 2))).toEqual(["b", "c"]);
    // Popularity above 1 is clamped, so "d" ties nothing but still leads.
    expect(name(small.mostPopular(2))).toEqual(["d", "b"]);
    expect(small.popularity(small.position("d")!)).toBe(1);
  });

  it("weighs rare tags above common ones and stores unit-length item vectors", () => {
    expect(index.idf(index.termId("tag:jazz")!)).toBeGreaterThan(index.idf(index.termId("tag:history")!));
    for (const p of [0, 50, 200]) {
      let norm = 0;
      index.forEachTerm(p, (_, w) => (norm += w * w));
      expect(norm).toBeCloseTo(1, 5);
    }
  });

  it("gives every item's tags back as tag terms", () => {
    const p = index.position("place-lisbon-hot-clube-de-portugal")!;
    expect(Array.from(index.tagIds(p), (t) => index.termKey(t))).toEqual(index.items[p]!.tags.map((t) => `tag:${t}`));
    expect(index.tagIds(p).every((t) => index.isTag(t))).toBe(true);
  });

  it("refuses items of another type and duplicate ids, which would corrupt lookups", () => {
    expect(() => buildCatalogIndex("music", [place("a", [], 0, 0)])).toThrow(/not a music/);
    expect(() => buildCatalogIndex("place", [place("a", [], 0, 0), place("a", [], 1, 1)])).toThrow(/twice/);
  });

  it("leaves items without coordinates out of spatial answers", () => {
    const items = [place("here", ["x"], LISBON.latitude, LISBON.longitude), { ...place("nowhere", ["x"], 0, 0), latitude: null, longitude: null }];
    const small = buildCatalogIndex("place", items);
    expect(small.nearest(LISBON.latitude, LISBON.longitude, 10, 20000).map((p) => small.items[p]!.id)).toEqual(["here"]);
    expect(small.point(small.position("nowhere")!)).toBeUndefined();
  });
});
