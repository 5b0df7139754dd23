import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

// Checks the hand-written starter catalog in catalog/starter/ (see its README.md):
// format, counts, ids, tags, and that every place and event sits in the city it claims.

type Json = Record<string, unknown>;

interface Line {
  lineNo: number;
  raw: string;
}

function readLines(file: string): Line[] {
  const text = readFileSync(new URL(`../../catalog/starter/${file}`, import.meta.url), "utf8");
  const lines = text.split("\n");
  // One trailing newline is fine; a blank line anywhere else is not.
  if (lines[lines.length - 1] === "") lines.pop();
  return lines.map((raw, i) => ({ lineNo: i + 1, raw }));
}

function load(file: string): Json[] {
  return readLines(file).map(({ lineNo, raw }) => {
    try {
      const value: unknown = JSON.parse(raw);
      if (value === null || typeof value !== "object" || Array.isArray(value)) {
        throw new Error("not a JSON object");
      }
      return value as Json;
    } catch (err) {
      throw new Error(`${file}:${lineNo} does not parse: ${(err as Error).message}`);
    }
  });
}

const places = load("places.jsonl");
const movies = load("movies.jsonl");
const music = load("music.jsonl");
const events = load("events.jsonl");

// City centres (latitude, longitude). Every place and event must lie within MAX_KM of its city's centre.
const CITY_CENTRES: Record<string, [number, number]> = {
  Lisbon: [38.7223, -9.1393],
  Porto: [41.1579, -8.6291],
  Paris: [48.8566, 2.3522],
  London: [51.5074, -0.1278],
  Barcelona: [41.3874, 2.1686],
  Madrid: [40.4168, -3.7038],
  Rome: [41.8967, 12.4822],
  Berlin: [52.52, 13.405],
  Amsterdam: [52.3676, 4.9041],
  Prague: [50.0755, 14.4378],
  Vienna: [48.2082, 16.3738],
  Istanbul: [41.0082, 28.9784],
  "New York": [40.7128, -74.006],
  "San Francisco": [37.7749, -122.4194],
  "Mexico City": [19.4326, -99.1332],
  Tokyo: [35.6812, 139.7671],
  Seoul: [37.5665, 126.978],
  Bangkok: [13.7563, 100.5018],
  Singapore: [1.2897, 103.8501],
  Sydney: [-33.8688, 151.2093],
  "Buenos Aires": [-34.6037, -58.3816],
  "Cape Town": [-33.9249, 18.4241],
};
const MAX_KM = 40;

function haversineKm(a: [number, number], b: [number, number]): number {
  const rad = (d: number) => (d * Math.PI) / 180;
  const dLat = rad(b[0] - a[0]);
  const dLon = rad(b[1] - a[1]);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a[0])) * Math.cos(rad(b[0])) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(h));
}

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

function meta(item: Json): Json {
  return item.metadata as Json;
}

function isNonEmptyString(v: unknown): v is string {
  return typeof v === "string" && v.trim().length > 0;
}

function isNonEmptyStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.length > 0 && v.every(isNonEmptyString);
}

function checkCommon(item: Json, contentType: string, idPrefix: string): void {
  const id = String(item.external_id);
  expect(item.content_type, id).toBe(contentType);
  expect(isNonEmptyString(item.external_id), id).toBe(true);
  expect(id.startsWith(idPrefix), id).toBe(true);
  expect(SLUG.test(id), `external_id must be a lower-case slug: ${id}`).toBe(true);
  expect(isNonEmptyString(item.title), id).toBe(true);
  expect(isNonEmptyString(item.description), id).toBe(true);
  expect(item.metadata !== null && typeof item.metadata === "object", id).toBe(true);
  expect(Array.isArray(item.tags), id).toBe(true);
}

function checkLocation(item: Json): void {
  const id = String(item.external_id);
  const loc = item.location as Json;
  expect(loc !== null && typeof loc === "object", id).toBe(true);
  const lat = loc.latitude;
  const lon = loc.longitude;
  expect(typeof lat === "number" && Number.isFinite(lat) && lat >= -90 && lat <= 90, `${id} latitude`).toBe(true);
  expect(typeof lon === "number" && Number.isFinite(lon) && lon >= -180 && lon <= 180, `${id} longitude`).toBe(true);
  const city = meta(item).city as string;
  const centre = CITY_CENTRES[city];
  expect(centre, `${id}: unknown city ${city}`).toBeDefined();
  const km = haversineKm(centre, [lat as number, lon as number]);
  expect(km, `${id} is ${km.toFixed(1)} km from the centre of ${city}`).toBeLessThanOrEqual(MAX_KM);
}

const ALL: Array<[string, Json[]]> = [
  ["places.jsonl", places],
  ["movies.jsonl", movies],
  ["music.jsonl", music],
  ["events.jsonl", events],
];

describe("starter catalog: files", () => {
  it.each(ALL)("%s has one JSON object per line and no blank lines", (file) => {
    for (const { lineNo, raw } of readLines(file)) {
      expect(raw.trim().length, `${file}:${lineNo} is blank`).toBeGreaterThan(0);
      expect(() => JSON.parse(raw), `${file}:${lineNo}`).not.toThrow();
    }
  });

  it.each(ALL)("%s has at least 200 items", (_file, items) => {
    expect(items.length).toBeGreaterThanOrEqual(200);
  });

  it.each(ALL)("%s has unique external ids", (_file, items) => {
    const ids = items.map((i) => i.external_id as string);
    const dupes = ids.filter((id, i) => ids.indexOf(id) !== i);
    expect(dupes).toEqual([]);
  });

  it.each(ALL)("%s has valid tags", (_file, items) => {
    for (const item of items) {
      const id = String(item.external_id);
      const tags = item.tags as unknown[];
      expect(tags.length, `${id} tag count`).toBeGreaterThanOrEqual(1);
      expect(tags.length, `${id} tag count`).toBeLessThanOrEqual(50);
      for (const tag of tags) {
        expect(typeof tag, id).toBe("string");
        const t = tag as string;
        expect(t, `${id}: tag must be lower-case`).toBe(t.toLowerCase());
        expect(t.length, `${id}: tag "${t}" length`).toBeGreaterThanOrEqual(1);
        expect(t.length, `${id}: tag "${t}" length`).toBeLessThanOrEqual(64);
        expect(t.trim(), `${id}: tag "${t}" has surrounding spaces`).toBe(t);
      }
      expect(new Set(tags).size, `${id} has duplicate tags`).toBe(tags.length);
    }
  });
});

describe("starter catalog: places", () => {
  it("have the required fields", () => {
    for (const p of places) {
      checkCommon(p, "place", "place-");
      const m = meta(p);
      const id = String(p.external_id);
      expect(isNonEmptyString(m.city), id).toBe(true);
      expect(isNonEmptyString(m.country), id).toBe(true);
      expect(isNonEmptyString(m.category), id).toBe(true);
      expect([1, 2, 3, 4], `${id} price_level`).toContain(m.price_level);
      if (m.opening_hours_hint !== undefined) expect(isNonEmptyString(m.opening_hours_hint), id).toBe(true);
      if (m.good_for !== undefined) expect(isNonEmptyStringArray(m.good_for), id).toBe(true);
    }
  });

  it("lie within 40 km of their city's centre", () => {
    for (const p of places) checkLocation(p);
  });

  it("cover at least 15 cities with at least 10 places each", () => {
    const perCity = new Map<string, number>();
    for (const p of places) {
      const city = meta(p).city as string;
      perCity.set(city, (perCity.get(city) ?? 0) + 1);
    }
    const wellCovered = [...perCity.entries()].filter(([, n]) => n >= 10);
    expect(wellCovered.length).toBeGreaterThanOrEqual(15);
  });

  it("mix several categories in every city", () => {
    const cats = new Map<string, Set<string>>();
    for (const p of places) {
      const m = meta(p);
      const set = cats.get(m.city as string) ?? new Set<string>();
      set.add(m.category as string);
      cats.set(m.city as string, set);
    }
    for (const [city, set] of cats) expect(set.size, city).toBeGreaterThanOrEqual(4);
  });

  it("use one country per city", () => {
    const country = new Map<string, string>();
    for (const p of [...places, ...events]) {
      const m = meta(p);
      const seen = country.get(m.city as string);
      if (seen) expect(m.country, String(p.external_id)).toBe(seen);
      else country.set(m.city as string, m.country as string);
    }
  });
});

describe("starter catalog: events", () => {
  const CATEGORIES = ["concert", "exhibition", "festival", "market", "sport", "theatre", "food", "nightlife", "tour"];

  it("have the required fields and are marked as sample data", () => {
    for (const e of events) {
      checkCommon(e, "event", "event-");
      const id = String(e.external_id);
      const m = meta(e);
      expect(m.sample, id).toBe(true);
      expect(isNonEmptyString(m.venue), id).toBe(true);
      expect(isNonEmptyString(m.city), id).toBe(true);
      expect(isNonEmptyString(m.country), id).toBe(true);
      expect(CATEGORIES, id).toContain(m.category);
      expect(Number.isInteger(e.starts_in_hours), `${id} starts_in_hours`).toBe(true);
      expect(Number.isInteger(e.duration_hours), `${id} duration_hours`).toBe(true);
      const start = e.starts_in_hours as number;
      const duration = e.duration_hours as number;
      expect(start, id).toBeGreaterThanOrEqual(-72);
      expect(start, id).toBeLessThanOrEqual(24 * 60);
      expect(duration, id).toBeGreaterThanOrEqual(1);
      expect(duration, id).toBeLessThanOrEqual(m.category === "exhibition" ? 24 * 30 : 72);
    }
  });

  it("lie within 40 km of their city's centre", () => {
    for (const e of events) checkLocation(e);
  });

  it("have at least 10 events in each of at least 15 cities", () => {
    const perCity = new Map<string, number>();
    for (const e of events) perCity.set(meta(e).city as string, (perCity.get(meta(e).city as string) ?? 0) + 1);
    expect([...perCity.values()].filter((n) => n >= 10).length).toBeGreaterThanOrEqual(15);
  });

  it("include upcoming, running and already-ended events", () => {
    const start = (e: Json) => e.starts_in_hours as number;
    const end = (e: Json) => start(e) + (e.duration_hours as number);
    const upcoming = events.filter((e) => start(e) > 0);
    const running = events.filter((e) => start(e) <= 0 && end(e) > 0);
    const ended = events.filter((e) => end(e) <= 0);
    expect(upcoming.length).toBeGreaterThan(events.length / 2);
    expect(running.length).toBeGreaterThan(0);
    expect(ended.length).toBeGreaterThanOrEqual(Math.floor(events.length * 0.05));
    expect(ended.length).toBeLessThanOrEqual(Math.ceil(events.length * 0.2));
  });

  it("at the same venue name share coordinates within a city", () => {
    const seen = new Map<string, [number, number]>();
    for (const e of events) {
      const m = meta(e);
      const loc = e.location as Json;
      const key = `${m.city}|${m.venue}`;
      const here: [number, number] = [loc.latitude as number, loc.longitude as number];
      const prev = seen.get(key);
      if (prev) expect(haversineKm(prev, here), `${e.external_id} vs ${key}`).toBeLessThan(0.5);
      else seen.set(key, here);
    }
  });
});

describe("starter catalog: movies", () => {
  it("have the required fields", () => {
    for (const m of movies) {
      checkCommon(m, "movie", "movie-");
      const id = String(m.external_id);
      const md = meta(m);
      expect(Number.isInteger(md.year), id).toBe(true);
      expect(md.year as number, id).toBeGreaterThanOrEqual(1900);
      expect(md.year as number, id).toBeLessThanOrEqual(2026);
      expect(id.endsWith(`-${md.year}`), `${id} should end with its year`).toBe(true);
      expect(isNonEmptyStringArray(md.genres), `${id} genres`).toBe(true);
      expect(isNonEmptyString(md.director), id).toBe(true);
      expect(isNonEmptyStringArray(md.countries), id).toBe(true);
      expect(isNonEmptyString(md.original_language), id).toBe(true);
      const runtime = md.runtime_minutes as number;
      expect(Number.isInteger(runtime) && runtime > 0 && runtime < 400, `${id} runtime`).toBe(true);
    }
  });
});

describe("starter catalog: music", () => {
  it("have the required fields", () => {
    for (const m of music) {
      checkCommon(m, "music", "music-");
      const id = String(m.external_id);
      const md = meta(m);
      expect(isNonEmptyString(md.artist), `${id} artist`).toBe(true);
      expect(isNonEmptyStringArray(md.genres), `${id} genres`).toBe(true);
      if (md.album !== undefined) {
        expect(isNonEmptyString(md.album), id).toBe(true);
        expect(m.title, id).toBe(`${md.album} — ${md.artist}`);
      }
      if (md.year !== undefined) {
        expect(Number.isInteger(md.year) && (md.year as number) >= 1900 && (md.year as number) <= 2026, id).toBe(true);
      }
      if (md.moods !== undefined) expect(isNonEmptyStringArray(md.moods), id).toBe(true);
    }
  });
});

describe("starter catalog: shared tag vocabulary", () => {
  it("lets an interest match more than one content type", () => {
    const tagsOf = (items: Json[]) => new Set(items.flatMap((i) => i.tags as string[]));
    const placeTags = tagsOf(places);
    const eventTags = tagsOf(events);
    const musicTags = tagsOf(music);
    const movieTags = tagsOf(movies);
    for (const tag of ["jazz", "classical", "techno", "fado", "tango", "k-pop", "hip-hop"]) {
      expect(placeTags.has(tag) || eventTags.has(tag), `${tag} place/event`).toBe(true);
      expect(musicTags.has(tag), `${tag} music`).toBe(true);
    }
    for (const tag of ["romantic", "family", "history", "nightlife", "food", "late-night"]) {
      expect(placeTags.has(tag) && eventTags.has(tag) && movieTags.has(tag), tag).toBe(true);
    }
  });
});
