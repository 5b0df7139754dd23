import { describe, expect, it } from "vitest";
import { Catalog, validateItem, type CatalogItem, type CatalogItemInput, type CatalogStore } from "../../../../server/domain/content/catalog.js";
import { DomainError } from "../../../../server/domain/errors.js";

const LISBON = { latitude: 38.7223, longitude: -9.1393 };
const START = new Date("2030-05-01T19:00:00Z");
const GOOD: Record<string, CatalogItemInput> = {
  place: { contentType: "place", externalId: "place-lisbon-x", title: "X", location: LISBON },
  event: { contentType: "event", externalId: "event-lisbon-x", title: "X", location: LISBON, startTime: START },
  movie: { contentType: "movie", externalId: "movie-x-1999", title: "X" },
  music: { contentType: "music", externalId: "music-x-y", title: "X" },
};

/** The reason's problems, split into `field: description` pairs, so tests can name fields exactly. */
function problems(input: CatalogItemInput): Record<string, string> {
  const result = validateItem(input);
  if ("item" in result) throw new Error(`expected a rejection, got ${JSON.stringify(result.item)}`);
  return Object.fromEntries(result.reason.split("; ").map((p) => [p.slice(0, p.indexOf(": ")), p.slice(p.indexOf(": ") + 2)]));
}

function valid(input: CatalogItemInput): CatalogItem {
  const result = validateItem(input);
  if ("reason" in result) throw new Error(`expected a valid item, got: ${result.reason}`);
  return result.item;
}

describe("validateItem", () => {
  it.each(Object.entries(GOOD))("accepts a minimal %s", (_, input) => {
    expect(valid(input)).toMatchObject({ contentType: input.contentType, externalId: input.externalId, title: "X", description: "", tags: [], metadata: {} });
  });

  it("requires a known content type", () => {
    expect(problems({ ...GOOD.movie, contentType: undefined })).toEqual({ content_type: "is required (one of music, movie, event, place)" });
    expect(problems({ ...GOOD.movie, contentType: "podcast" })).toEqual({
      content_type: '"podcast" is not a known content type (one of music, movie, event, place)',
    });
  });

  it("checks the external id: required, at most 200 characters, letters digits . _ : -", () => {
    expect(valid({ ...GOOD.music, externalId: "Spotify:album.4aawyAB9vmqN3uQ7FjRGTy_x-1" }).externalId).toBe("Spotify:album.4aawyAB9vmqN3uQ7FjRGTy_x-1");
    expect(valid({ ...GOOD.music, externalId: "x".repeat(200) }).externalId).toHaveLength(200);
    expect(problems({ ...GOOD.music, externalId: "" })).toEqual({ external_id: "is required" });
    expect(problems({ ...GOOD.music, externalId: "x".repeat(201) })).toEqual({ external_id: "must be at most 200 characters, got 201" });
    for (const id of ["has space", "slash/y", "ünïcode", " padded"]) {
      expect(problems({ ...GOOD.music, externalId: id }), id).toEqual({ external_id: "may only contain letters, digits and . _ : -" });
    }
  });

  it("trims the title and requires 1-300 characters, counting an emoji once", () => {
    expect(valid({ ...GOOD.movie, title: "  Lisbon Story \n" }).title).toBe("Lisbon Story");
    expect(problems({ ...GOOD.movie, title: "   " })).toEqual({ title: "is required" });
    expect(problems({ ...GOOD.movie, title: "x".repeat(301) })).toEqual({ title: "must be at most 300 characters, got 301" });
    expect(valid({ ...GOOD.movie, title: "🎷".repeat(300) }).title).toHaveLength(600);
    expect(problems({ ...GOOD.movie, title: "🎷".repeat(301) })).toEqual({ title: "must be at most 300 characters, got 301" });
  });

  it("limits the description to 5,000 characters", () => {
    expect(valid({ ...GOOD.movie, description: "d".repeat(5000) }).description).toHaveLength(5000);
    expect(problems({ ...GOOD.movie, description: "d".repeat(5001) })).toEqual({ description: "must be at most 5000 characters, got 5001" });
  });

  it("trims, lower-cases and de-duplicates tags in order; each 1-64 characters, at most 50", () => {
    expect(valid({ ...GOOD.music, tags: [" Jazz ", "jazz", "Live Music", "JAZZ", "late-night"] }).tags).toEqual(["jazz", "live music", "late-night"]);
    expect(valid({ ...GOOD.music, tags: ["t".repeat(64)] }).tags).toEqual(["t".repeat(64)]);
    expect(problems({ ...GOOD.music, tags: ["ok", "t".repeat(65), "  "] })).toEqual({
      "tags[1]": "must be at most 64 characters, got 65",
      "tags[2]": "must not be empty",
    });
    const fifty = Array.from({ length: 50 }, (_, i) => `t${i}`);
    expect(valid({ ...GOOD.music, tags: [...fifty, "T0"] }).tags).toHaveLength(50);
    expect(problems({ ...GOOD.music, tags: [...fifty, "t50"] })).toEqual({ tags: "must have at most 50 distinct tags, got 51" });
  });

  it("takes metadata objects up to 16 KiB of JSON", () => {
    const metadata = { city: "Lisbon", nested: { list: [1, "two", null, true] } };
    expect(valid({ ...GOOD.place, metadata }).metadata).toEqual(metadata);
    // {"k":"…"} is 8 bytes around the value.
    expect(valid({ ...GOOD.place, metadata: { k: "x".repeat(16 * 1024 - 8) } }).metadata).toBeDefined();
    expect(problems({ ...GOOD.place, metadata: { k: "x".repeat(16 * 1024 - 7) } })).toEqual({ metadata: "must be at most 16384 bytes as JSON, got 16385" });
    // Bytes, not characters: "é" is two.
    expect(problems({ ...GOOD.place, metadata: { k: "é".repeat(8 * 1024) } }).metadata).toMatch(/^must be at most 16384 bytes/);
    expect(problems({ ...GOOD.place, metadata: ["a"] })).toEqual({ metadata: "must be a JSON object" });
    expect(problems({ ...GOOD.place, metadata: "text" })).toEqual({ metadata: "must be a JSON object" });
  });

  it("refuses unpaired surrogates, which Postgres cannot store in JSON, wherever text goes", () => {
    const broken = "a\uD800b";
    expect(problems({ ...GOOD.place, title: broken, description: "\uDC00", tags: [broken], metadata: { [broken]: 1 } })).toEqual({
      title: "must be valid Unicode (it has an unpaired surrogate)",
      description: "must be valid Unicode (it has an unpaired surrogate)",
      "tags[0]": "must be valid Unicode (it has an unpaired surrogate)",
      metadata: "must be valid Unicode (it has an unpaired surrogate)",
    });
    expect(valid({ ...GOOD.place, title: "🎷", tags: ["🎷"], metadata: { "🎷": ["🎷"] } }).tags).toEqual(["🎷"]);
  });

  it("refuses NUL characters, which Postgres cannot store, wherever text goes", () => {
    expect(problems({ ...GOOD.place, title: "a\u0000b", description: "\u0000", tags: ["x\u0000"], metadata: { deep: [{ k: "\u0000" }] } })).toEqual({
      title: "must not contain NUL characters",
      description: "must not contain NUL characters",
      "tags[0]": "must not contain NUL characters",
      metadata: "must not contain NUL characters",
    });
  });

  it("checks coordinates when present, and requires them for places and events", () => {
    expect(valid({ ...GOOD.music, location: LISBON }).location).toEqual(LISBON);
    expect(valid({ ...GOOD.place, location: { latitude: -90, longitude: 180 } }).location).toEqual({ latitude: -90, longitude: 180 });
    expect(problems({ ...GOOD.place, location: { latitude: 90.5, longitude: Number.NaN } })).toEqual({
      "location.latitude": "must be a number in [-90, 90]",
      "location.longitude": "must be a number in [-180, 180]",
    });
    expect(problems({ ...GOOD.place, location: undefined })).toEqual({ location: "is required for places" });
    expect(problems({ ...GOOD.event, location: undefined })).toEqual({ location: "is required for events" });
  });

  it("requires a start for events, and an end not before it", () => {
    expect(problems({ ...GOOD.event, startTime: undefined })).toEqual({ start_time: "is required for events" });
    expect(valid({ ...GOOD.event, endTime: START })).toMatchObject({ startTime: START, endTime: START });
    expect(problems({ ...GOOD.event, endTime: new Date(START.getTime() - 1) })).toEqual({
      end_time: "must not be before start_time (2030-05-01T19:00:00.000Z), got 2030-05-01T18:59:59.999Z",
    });
    // Places may carry times (a seasonal pop-up), under the same rule.
    expect(valid({ ...GOOD.place, startTime: START }).startTime).toEqual(START);
    expect(problems({ ...GOOD.place, startTime: START, endTime: new Date("2030-01-01T00:00:00Z") })).toHaveProperty("end_time");
  });

  it("forbids times on music and movies", () => {
    expect(problems({ ...GOOD.music, startTime: START, endTime: START })).toEqual({
      start_time: "must not be set for music (only events and places have times)",
      end_time: "must not be set for music (only events and places have times)",
    });
    expect(problems({ ...GOOD.movie, endTime: START })).toEqual({ end_time: "must not be set for movie (only events and places have times)" });
  });

  it("refuses times that are invalid or outside 0001-9999", () => {
    expect(problems({ ...GOOD.event, startTime: new Date(Number.NaN) })).toEqual({ start_time: "is not a valid time" });
    expect(problems({ ...GOOD.event, endTime: new Date("+010000-01-01T00:00:00Z") })).toEqual({ end_time: "must be between 0001-01-01 and 9999-12-31" });
    expect(problems({ ...GOOD.event, startTime: new Date(-62135596800001) })).toEqual({ start_time: "must be between 0001-01-01 and 9999-12-31" });
  });

  it("reports every problem of an item at once", () => {
    expect(Object.keys(problems({ contentType: "event", externalId: "bad id", title: "", tags: ["t".repeat(65)] }))).toEqual([
      "external_id",
      "title",
      "tags[0]",
      "location",
      "start_time",
    ]);
  });
});

class MemoryStore implements CatalogStore {
  readonly batches: CatalogItem[][] = [];
  private readonly keys = new Set<string>();

  async upsert(items: readonly CatalogItem[]) {
    this.batches.push([...items]);
    let inserted = 0;
    for (const i of items) {
      const key = `${i.contentType}/${i.externalId}`;
      if (!this.keys.has(key)) inserted++;
      this.keys.add(key);
    }
    return { inserted, updated: items.length - inserted };
  }
  async findById() {
    return undefined;
  }
  async isEmpty() {
    return this.keys.size === 0;
  }
}

describe("Catalog", () => {
  it("stores the good items of a call and reports each bad one with its index and external id", async () => {
    const store = new MemoryStore();
    const result = await new Catalog({ store }).import([GOOD.place!, { ...GOOD.event!, location: undefined }, GOOD.music!, { contentType: "podcast", externalId: "p1", title: "P" }]);
    expect(result).toEqual({
      inserted: 2,
      updated: 0,
      rejected: [
        { index: 1, externalId: "event-lisbon-x", reason: "location: is required for events" },
        { index: 3, externalId: "p1", reason: 'content_type: "podcast" is not a known content type (one of music, movie, event, place)' },
      ],
    });
    expect(store.batches[0]!.map((i) => i.externalId)).toEqual(["place-lisbon-x", "music-x-y"]);
  });

  it("keeps the first of two items with one key and rejects the repeat; the same id of another type is another item", async () => {
    const store = new MemoryStore();
    const result = await new Catalog({ store }).import([GOOD.movie!, { ...GOOD.movie!, title: "Again" }, { ...GOOD.music!, externalId: GOOD.movie!.externalId }]);
    expect(result.inserted).toBe(2);
    expect(result.rejected).toEqual([
      { index: 1, externalId: "movie-x-1999", reason: "external_id: repeats item 0 of this call (same content_type and external_id); send each item once" },
    ]);
    expect(store.batches[0]![0]!.title).toBe("X");
  });

  it("takes at most 1,000 items per call, and never calls the store for nothing", async () => {
    const store = new MemoryStore();
    const catalog = new Catalog({ store });
    const many = (n: number) => Array.from({ length: n }, (_, i) => ({ ...GOOD.movie!, externalId: `m${i}` }));
    expect((await catalog.import(many(1000))).inserted).toBe(1000);
    const err = await catalog.import(many(1001)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({ kind: "invalid_argument", reason: "VALIDATION_ERROR", violations: [{ field: "items" }] });
    expect((err as DomainError).message).toContain("at most 1000 items per call, got 1001");
    expect(await catalog.import([{ contentType: "movie" }])).toMatchObject({ inserted: 0, updated: 0 });
    expect(store.batches).toHaveLength(1);
  });

  it("answers not_found for an unknown or malformed id without asking the store about the malformed one, and invalid_argument for none", async () => {
    const asked: string[] = [];
    const store = Object.assign(new MemoryStore(), { findById: async (id: string) => (asked.push(id), undefined) });
    const catalog = new Catalog({ store });
    for (const id of ["6F1C2B1E-6C37-4B7C-9C3C-8E0F2A1B3C4D", "not-a-uuid", "'; drop table content_items; --"]) {
      await expect(catalog.get(id)).rejects.toMatchObject({ kind: "not_found", reason: "NOT_FOUND", options: { metadata: { field: "id" } } });
    }
    expect(asked).toEqual(["6f1c2b1e-6c37-4b7c-9c3c-8e0f2a1b3c4d"]);
    await expect(catalog.get("")).rejects.toMatchObject({ kind: "invalid_argument", violations: [{ field: "id", description: "is required" }] });
  });
});
