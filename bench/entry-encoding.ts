/**
 * The protobuf encoding of list entries, the reflective way (`reflectiveEntryBytes`: protobuf-es
 * `toBinary` of the message `toListEntry` builds) against server/handlers/content/recommendation-wire.ts, over the starter
 * catalog's items in one process, alternating rounds; prints µs per entry for both and their ratio.
 *
 *   npx tsx bench/entry-encoding.ts [--rounds 5]
 */
import { validateItem } from "../server/domain/content/catalog-item.js";
import type { ListEntry } from "../server/domain/recommendations/lists.js";
import { readStarterCatalog } from "../server/domain/content/starter-catalog.js";
import { reflectiveEntryBytes } from "../server/handlers/content/encoded-entries.js";
import { encodeRecommendationEntry } from "../server/handlers/content/recommendation-wire.js";
import { isEntryPoint } from "./processes.js";

export interface EncodingRound {
  readonly reflectiveUs: number;
  readonly directUs: number;
}

/** Entries of every valid starter item, as a database hit hands them to the encoder. */
export function starterEntries(now: Date): ListEntry[] {
  return readStarterCatalog(now).flatMap((input, i) => {
    const valid = validateItem(input);
    if (!("item" in valid)) return [];
    const { location, ...item } = valid.item;
    const id = (prefix: string) => `${prefix}-0000-4000-8000-${String(i).padStart(12, "0")}`;
    return [
      {
        id: id("00000000"),
        item: { ...item, id: id("10000000"), ...(location ?? {}), popularity: (i % 10) / 10, createdAt: now, updatedAt: now },
        relevanceScore: 1 - i / 1000,
        rankingPosition: i + 1,
        reasons: ["matches your interest in jazz", "people who liked Kind of Blue liked this"],
        ...(location ? { distanceKm: (i % 50) / 7 } : {}),
      },
    ];
  });
}

export function measureEntryEncoding(rounds: number, repeat = 20): EncodingRound[] {
  const now = new Date();
  const expiresAt = new Date(now.getTime() + 3_600_000);
  const entries = starterEntries(now);
  const time = (encode: (e: ListEntry) => unknown) => {
    const start = performance.now();
    for (let k = 0; k < repeat; k++) for (const e of entries) encode(e);
    return ((performance.now() - start) * 1000) / (repeat * entries.length);
  };
  const reflective = (e: ListEntry) => reflectiveEntryBytes(e, expiresAt);
  const direct = (e: ListEntry) => encodeRecommendationEntry(e, expiresAt);
  // One round of each first, uncounted: both reach optimised code before anything is timed.
  time(reflective);
  time(direct);
  return Array.from({ length: rounds }, () => ({ reflectiveUs: time(reflective), directUs: time(direct) }));
}

if (isEntryPoint(import.meta.url)) {
  const i = process.argv.indexOf("--rounds");
  const rounds = i >= 0 ? Number(process.argv[i + 1]) : 5;
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds takes a positive integer, got ${process.argv[i + 1]}`);
  const results = measureEntryEncoding(rounds);
  for (const r of results) console.log(`reflective ${r.reflectiveUs.toFixed(1)} µs/entry, direct ${r.directUs.toFixed(1)} µs/entry, ratio ${(r.directUs / r.reflectiveUs).toFixed(3)}`);
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`median ratio direct / reflective: ${median(results.map((r) => r.directUs / r.reflectiveUs)).toFixed(3)}`);
}
