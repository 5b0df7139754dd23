/**
 * Micro-benchmark of the ranking engine: `npx tsx worker/engine/bench.ts [sizes…]`
 * (default 10000 100000 1000000). For each content type and catalog size it prints the index build
 * time and the median time of one rank() call, to show that candidate generation does not grow with
 * the catalog, with item similarity and a matrix-factorisation model (default hyper-parameters)
 * trained on 2,000 synthetic users' interactions. With NODE_OPTIONS=--expose-gc it also prints the
 * index's memory.
 */
import type { ContentKind } from "../../server/domain/content/kinds.js";
import { buildCatalogIndex } from "./catalog-index.js";
import { buildItemSimilarity } from "./item-similarity.js";
import { foldInUser } from "./mf/fold-in.js";
import { mfPreferences, trainMf } from "./mf/ials.js";
import { rank } from "./rank.js";
import { starterItemsOf } from "./starter-items.js";
import { cityCentres, syntheticCatalog, syntheticInteractions, syntheticUser } from "./synthetic-catalog.js";

const WARM_UP = 10;
const CALLS = 51;
const now = new Date("2025-06-01T12:00:00Z");
const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
if (sizes.length === 0) sizes.push(10_000, 100_000, 1_000_000);

const starter = (kind: ContentKind) => starterItemsOf(kind, now);
const cities = cityCentres(starter("place"));

/** Typed arrays live outside the JS heap, and the index is mostly typed arrays. */
function memory(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const medians = new Map<string, number>();
for (const kind of ["place", "event", "music", "movie"] as const) {
  const templates = starter(kind);
  for (const size of sizes) {
    const items = syntheticCatalog({ contentType: kind, count: size, templates, cities, now });
    global.gc?.();
    global.gc?.(); // a second pass frees the previous catalog's array buffers, released after the first
    const heapBefore = memory();
    let t = performance.now();
    const index = buildCatalogIndex(kind, items);
    const buildMs = performance.now() - t;
    global.gc?.();
    global.gc?.();
    const heapMb = (memory() - heapBefore) / 2 ** 20;

    const interactions = syntheticInteractions(items, 2_000, 20, now);
    t = performance.now();
    const similarity = buildItemSimilarity(interactions, { topK: 50, now });
    const cfMs = performance.now() - t;
    t = performance.now();
    const model = trainMf(mfPreferences(interactions, { now }));
    const mfMs = performance.now() - t;
    const user = syntheticUser({ contentType: kind, index, interactions, userId: "u-7", now });
    const mf = { model, userVector: foldInUser(model, user.positives) };

    const times: number[] = [];
    let scored = 0;
    // Warm-up calls let the JIT compile rank() before anything is timed.
    for (let k = 0; k < WARM_UP; k++) rank({ contentType: kind, index, user, similarity, mf, location: cities[k]!, now, limit: 20 });
    global.gc?.();
    for (let k = 0; k < CALLS; k++) {
      const city = cities[k % cities.length]!;
      t = performance.now();
      const result = rank({ contentType: kind, index, user, similarity, mf, location: city, now, limit: 20 });
      times.push(performance.now() - t);
      scored = Math.max(scored, result.candidates);
    }
    const row = `${kind.padEnd(6)} ${String(size).padStart(9)}  build ${buildMs.toFixed(0).padStart(7)} ms${global.gc ? `  index ~${heapMb.toFixed(0).padStart(5)} MB` : ""}  CF ${cfMs.toFixed(0).padStart(4)} ms  MF ${mfMs.toFixed(0).padStart(5)} ms  rank median ${median(times).toFixed(2).padStart(7)} ms  (max candidates ${scored})`;
    console.log(row);
    medians.set(`${kind} ${size}`, median(times));
  }
}

// Sublinear candidate generation shows as a ratio well under the size ratio between neighbours.
for (const kind of ["place", "event", "music", "movie"] as const) {
  const ratios = sizes.slice(1).map((size, k) => {
    const ratio = medians.get(`${kind} ${size}`)! / medians.get(`${kind} ${sizes[k]!}`)!;
    return `${sizes[k]!}→${size}: ×${ratio.toFixed(2)}`;
  });
  if (ratios.length > 0) console.log(`${kind.padEnd(6)} rank time ratio ${ratios.join(", ")}`);
}
