/**
 * Writes N synthetic catalog items as JSON Lines to stdout, for load tests and import benchmarks:
 *
 *   npx tsx scripts/generate-catalog.ts 100000 [--seed 42] [--base 2025-07-01T00:00:00Z] > /tmp/items.jsonl
 *
 * Deterministic: the same N, seed and base give the same file. The mix of types and the tag
 * vocabulary follow the starter catalog (catalog/starter/); places and events are scattered around
 * the starter catalog's real places in its 22 cities. Event times are absolute, from `base` (default:
 * today 00:00 UTC) −3 days to +60 days. External ids are `gen-<type>-<n>`.
 */
import { readFileSync } from "node:fs";
import type { ContentKind } from "../server/domain/content/kinds.js";
import { seededRandom } from "../worker/engine/synthetic-catalog.js";

interface StarterLine {
  content_type: ContentKind;
  tags?: string[];
  location?: { latitude: number; longitude: number };
  metadata?: { city?: string; country?: string; category?: string };
}

/** Share of each type: places and music dominate real catalogs; events are the freshest and rarest. */
const MIX: readonly [ContentKind, number][] = [
  ["place", 0.35],
  ["music", 0.25],
  ["movie", 0.22],
  ["event", 0.18],
];
const WORDS = [
  "blue", "golden", "hidden", "old", "little", "grand", "silent", "electric", "velvet", "northern", "southern", "wild",
  "secret", "lucky", "midnight", "morning", "copper", "paper", "salt", "river", "harbour", "garden", "market", "tower",
  "lantern", "echo", "signal", "orchard", "station", "corner", "bridge", "window", "dream", "summer", "winter", "city",
];
const NOUNS: Record<ContentKind, readonly string[]> = {
  place: ["Café", "Bar", "Museum", "Garden", "Market", "Gallery", "Viewpoint", "Club", "Bistro", "Bookshop", "Hall", "Terrace"],
  event: ["Night", "Festival", "Session", "Showcase", "Fair", "Concert", "Tour", "Screening", "Market", "Party"],
  movie: ["Story", "Road", "Summer", "Letters", "Harbour", "Strangers", "Night", "Return", "Journey", "Echoes"],
  music: ["Sessions", "Songs", "Nights", "Tapes", "Rhythms", "Dreams", "Stories", "Live", "Suite", "Anthems"],
};


function parseArgs(argv: string[]): { count: number; seed: number; base: Date } {
  const usage = "usage: npx tsx scripts/generate-catalog.ts N [--seed 42] [--base 2025-07-01T00:00:00Z] > items.jsonl";
  const positional: string[] = [];
  let seed = 42;
  const today = new Date();
  let base = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--seed") seed = Number(argv[++i]);
    else if (arg === "--base") base = new Date(argv[++i] ?? "");
    else positional.push(arg);
  }
  const count = Number(positional[0]);
  if (positional.length !== 1 || !Number.isInteger(count) || count < 0 || !Number.isInteger(seed) || Number.isNaN(base.getTime())) {
    process.stderr.write(`${usage}\n`);
    process.exit(1);
  }
  return { count, seed, base };
}

function readStarter(): StarterLine[] {
  return ["places", "events", "movies", "music"].flatMap((name) =>
    readFileSync(new URL(`../catalog/starter/${name}.jsonl`, import.meta.url), "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as StarterLine),
  );
}

function main(): void {
  const { count, seed, base } = parseArgs(process.argv.slice(2));
  const random = seededRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const between = (lo: number, hi: number) => lo + random() * (hi - lo);

  const starter = readStarter();
  const tagsOf = (kind: ContentKind) => [...new Set(starter.filter((s) => s.content_type === kind).flatMap((s) => s.tags ?? []))].sort();
  const vocabulary = Object.fromEntries(MIX.map(([kind]) => [kind, tagsOf(kind)])) as Record<ContentKind, string[]>;
  const anchors = starter.filter((s) => s.content_type === "place" && s.location && s.metadata?.city);
  const categories = (kind: ContentKind) => [...new Set(starter.filter((s) => s.content_type === kind).map((s) => s.metadata?.category ?? "other"))];
  const placeCategories = categories("place");
  const eventCategories = categories("event");
  const numbers: Record<ContentKind, number> = { place: 0, event: 0, movie: 0, music: 0 };

  const out: string[] = [];
  const write = (force = false) => {
    if (out.length >= 1000 || (force && out.length > 0)) {
      process.stdout.write(`${out.join("\n")}\n`);
      out.length = 0;
    }
  };
  for (let n = 0; n < count; n++) {
    let r = random();
    const kind = MIX.find(([, share]) => (r -= share) < 0)?.[0] ?? "place";
    const number = ++numbers[kind];
    const words = `${pick(WORDS)} ${pick(WORDS)}`.replace(/\b\w/g, (c) => c.toUpperCase());
    const tags = new Set<string>();
    for (let t = 0, want = 2 + Math.floor(random() * 6); t < want; t++) tags.add(pick(vocabulary[kind]));
    const item: Record<string, unknown> = {
      content_type: kind,
      external_id: `gen-${kind}-${String(number).padStart(7, "0")}`,
      title: `${words} ${pick(NOUNS[kind])}`,
      description: `Synthetic ${kind} number ${number} for load tests: ${[...tags].join(", ")}.`,
      tags: [...tags],
    };
    if (kind === "place" || kind === "event") {
      const anchor = pick(anchors);
      // Within about 3 km of a real place of the city, so clusters look like real neighbourhoods.
      const location = {
        latitude: round(anchor.location!.latitude + between(-0.027, 0.027), 5),
        longitude: round(anchor.location!.longitude + between(-0.035, 0.035), 5),
      };
      item.location = location;
      const where = { city: anchor.metadata!.city, country: anchor.metadata!.country };
      if (kind === "place") {
        item.metadata = { ...where, category: pick(placeCategories), price_level: 1 + Math.floor(random() * 4), synthetic: true };
      } else {
        const start = base.getTime() + Math.round(between(-72, 1440)) * 3_600_000;
        const hours = random() < 0.1 ? 24 * (1 + Math.floor(random() * 30)) : 1 + Math.floor(random() * 6);
        item.start_time = new Date(start).toISOString();
        item.end_time = new Date(start + hours * 3_600_000).toISOString();
        item.metadata = { ...where, category: pick(eventCategories), venue: `${pick(WORDS)} hall`, sample: true, synthetic: true };
      }
    } else if (kind === "movie") {
      item.metadata = { year: 1920 + Math.floor(random() * 104), runtime_minutes: 80 + Math.floor(random() * 80), synthetic: true };
    } else {
      item.metadata = { artist: `${pick(WORDS)} ${pick(WORDS)}`, year: 1950 + Math.floor(random() * 75), synthetic: true };
    }
    out.push(JSON.stringify(item));
    write();
  }
  write(true);
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

main();
