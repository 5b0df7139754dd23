/**
 * What a list held by the API's decoded-list memo costs in memory, as repeated cache hits leave it:
 * decoded by `Recommendations` (items shared between lists, server/domain/content/shared-items.ts)
 * and its first page encoded for binary answers. The baseline, measured in the same process: the
 * same lists decoded by the codec alone, each with its own copies of its items. Users' lists overlap
 * more or less depending on the catalog and the audience, so it runs at several overlaps (how many
 * lists an item is in on average; the full bench's lists measured about 2).
 *
 *   npx tsx bench/memo-memory.ts [--lists 800] [--overlaps 1,2,5,20]
 */
import { randomBytes } from "node:crypto";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { ContentItemRecord } from "../server/domain/content/records.js";
import { jsonListCodec } from "../server/domain/recommendations/json-list-codec.js";
import { ListPageTokens } from "../server/domain/recommendations/list-page-tokens.js";
import type { RecommendationList, RecommendationStore } from "../server/domain/recommendations/lists.js";
import { DEFAULT_PAGE_SIZE, Recommendations, type RecommendationsDeps } from "../server/domain/recommendations/recommendations.js";
import { encodedEntries } from "../server/handlers/content/encoded-entries.js";
import { MemoryRecommendationCache } from "../server/persistence/cache/memory-recommendation-cache.js";
import { starterEntries } from "./entry-encoding.js";
import { isEntryPoint } from "./processes.js";
import { seededRandom } from "../worker/engine/synthetic-catalog.js";

const LIST_LENGTH = 50;

export interface MemoRow {
  /** Lists an item is in, on average. */
  readonly overlap: number;
  /** KB per held list: V8 heap, and memory outside it (the encoded page). */
  readonly sharedHeapKb: number;
  readonly sharedOffHeapKb: number;
  readonly plainHeapKb: number;
  readonly plainOffHeapKb: number;
}

/** `lists` 50-entry lists over `lists × 50 / overlap` distinct items (starter items, copied). */
function syntheticLists(lists: number, overlap: number, now: Date): RecommendationList[] {
  const templates = starterEntries(now);
  const random = seededRandom(overlap);
  const distinct = Math.max(1, Math.round((lists * LIST_LENGTH) / overlap));
  const items: ContentItemRecord[] = Array.from({ length: distinct }, (_, i) => {
    const template = templates[i % templates.length]!.item;
    return { ...template, id: `20000000-0000-4000-8000-${String(i).padStart(12, "0")}`, externalId: `${template.externalId}-${i}` };
  });
  const expiresAt = new Date(now.getTime() + 3_600_000);
  return Array.from({ length: lists }, (_, l) => ({
    userId: `30000000-0000-4000-8000-${String(l).padStart(12, "0")}`,
    contentType: "movie",
    geohash: "",
    generatedAt: now,
    expiresAt,
    entries: Array.from({ length: LIST_LENGTH }, (_, k) => {
      const template = templates[(l + k) % templates.length]!;
      return { ...template, id: `40000000-0000-4000-${String(l).padStart(4, "0")}-${String(k).padStart(12, "0")}`, item: items[Math.floor(random() * distinct)]!, rankingPosition: k + 1 };
    }),
  }));
}

/** Full collections, with time for V8 to free array buffers (it does that after the collection). */
async function settle(gc: () => void): Promise<NodeJS.MemoryUsage> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return process.memoryUsage();
}

/** Heap and off-heap bytes that `hold()` keeps reachable (`kept`: the caller keeps it alive past the next measurement). */
async function retained(gc: () => void, hold: () => Promise<unknown>): Promise<{ heap: number; offHeap: number; kept: unknown }> {
  const before = await settle(gc);
  const kept = await hold();
  const after = await settle(gc);
  return { heap: after.heapUsed - before.heapUsed, offHeap: after.external - before.external, kept };
}

export async function measureMemo(lists: number, overlaps: readonly number[]): Promise<MemoRow[]> {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const now = new Date();
  const rows: MemoRow[] = [];
  for (const overlap of overlaps) {
    const cache = new MemoryRecommendationCache();
    const bytes = syntheticLists(lists, overlap, now).map((list) => ({ list, bytes: jsonListCodec.encode(list) }));
    for (const { list, bytes: b } of bytes) await cache.set({ userId: list.userId, contentType: list.contentType }, b, 3_600_000);
    const deps: RecommendationsDeps = {
      store: { find: async () => undefined } as unknown as RecommendationStore,
      cache,
      codec: jsonListCodec,
      queue: undefined as unknown as RecommendationsDeps["queue"],
      events: undefined as unknown as RecommendationsDeps["events"],
      pageTokens: new ListPageTokens(randomBytes(32)),
      profileLocation: async () => undefined,
      settings: { cacheTtlMs: 3_600_000, geohashPrecision: 5, analyticsDelayMs: 1_000, watchRecheckMs: 60_000, memoLists: lists },
      now: () => now,
    };
    const shared = await retained(gc, async () => {
      const recommendations = new Recommendations(deps);
      for (const { list } of bytes) {
        const page = await recommendations.page(list.userId, { contentType: "movie" });
        if (page.answer.status !== "ready" || page.answer.source !== "cache") throw new Error("the memo bench expected a cache hit");
        encodedEntries(page.entries, page.answer.list.expiresAt);
      }
      return recommendations;
    });
    const plain = await retained(gc, async () =>
      bytes.map(({ bytes: b }) => {
        const list = jsonListCodec.decode(b);
        encodedEntries(list.entries.slice(0, DEFAULT_PAGE_SIZE), list.expiresAt);
        return list;
      }),
    );
    const kb = (n: number) => n / lists / 1024;
    rows.push({ overlap, sharedHeapKb: kb(shared.heap), sharedOffHeapKb: kb(shared.offHeap), plainHeapKb: kb(plain.heap), plainOffHeapKb: kb(plain.offHeap) });
  }
  return rows;
}

export function parseArgs(argv: readonly string[]): { lists: number; overlaps: number[] } {
  const out = { lists: 800, overlaps: [1, 2, 5, 20] };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1] ?? ""];
    if (flag === "--lists" && /^\d+$/.test(value) && Number(value) > 0) out.lists = Number(value);
    else if (flag === "--overlaps" && /^\d+(\.\d+)?(,\d+(\.\d+)?)*$/.test(value)) out.overlaps = value.split(",").map(Number);
    else throw new Error(`usage: npx tsx bench/memo-memory.ts [--lists N] [--overlaps A,B,...] (got ${flag} ${value})`);
  }
  return out;
}

export function formatMemo(rows: readonly MemoRow[], lists: number): string {
  const cell = (heap: number, off: number) => `${heap.toFixed(1).padStart(6)} + ${off.toFixed(1).padStart(5)}`.padEnd(21);
  return [
    `memo memory per held ${LIST_LENGTH}-entry list (${lists} lists, first page encoded), KB of heap + off-heap`,
    "overlap   shared items         own copies           heap ratio",
    ...rows.map((r) => `${String(r.overlap).padEnd(10)}${cell(r.sharedHeapKb, r.sharedOffHeapKb)}${cell(r.plainHeapKb, r.plainOffHeapKb)}${(r.sharedHeapKb / r.plainHeapKb).toFixed(2)}`),
  ].join("\n");
}

if (isEntryPoint(import.meta.url)) {
  const { lists, overlaps } = parseArgs(process.argv.slice(2));
  console.log(formatMemo(await measureMemo(lists, overlaps), lists));
}
