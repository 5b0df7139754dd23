import KDBush from "kdbush";
import { around, distance } from "geokdbush";
import type { ContentKind } from "../../server/domain/content/kinds.js";
import type { ContentItemRecord } from "../../server/domain/content/records.js";
import { tagTerm, wordTerm, words } from "./terms.js";
import { DEFAULT_WEIGHTS, type EngineWeights } from "./weights.js";
import { TypedArrayBuilder } from "./typed-builder.js";

/**
 * Postings shorter than this are scanned for distance instead of getting their own spatial index:
 * a scan of 64 points costs less than a k-d tree query, and most words and rare tags stay this short.
 */
const SPATIAL_POSTINGS_MIN = 64;

const u32 = () => new TypedArrayBuilder((size) => new Uint32Array(size));

/** A spatial index over a subset of items; kdbush numbers its points 0..n-1, `item` maps them back. */
interface PointSet {
  readonly tree: KDBush;
  readonly item: Uint32Array;
}

/**
 * Everything ranking needs to know about the catalog of one content type, built once (the worker
 * rebuilds it when the catalog changes) and then only queried: every query is bounded by the number
 * of results asked for, never by the catalog size.
 */
export interface CatalogIndex {
  readonly contentType: ContentKind;
  readonly items: readonly ContentItemRecord[];
  /** Item position by id. */
  position(itemId: string): number | undefined;
  /** Term id of a term key ("tag:jazz", "word:jazz"), if any item has it. */
  termId(term: string): number | undefined;
  termKey(termId: number): string;
  /** Term ids run 0 .. termCount - 1. */
  readonly termCount: number;
  isTag(termId: number): boolean;
  /** Inverse document frequency of a term: rare terms say more about a match. */
  idf(termId: number): number;
  /** Calls `visit` for each term of the item with its weight in the item's unit-length TF-IDF vector. */
  forEachTerm(position: number, visit: (termId: number, weight: number) => void): void;
  /**
   * The same vectors, flat, for hot loops: item p's terms are vectorTerm[vectorStart[p] ..
   * vectorStart[p + 1]) with weights at the same offsets in vectorWeight.
   */
  readonly vectorStart: Uint32Array;
  readonly vectorTerm: Uint32Array;
  readonly vectorWeight: Float32Array;
  /** The item's tags as term ids (for diversity), in catalog order: a view into the index, not a copy. */
  tagIds(position: number): Uint32Array;
  /** Catalog popularity clamped to [0, 1]. */
  popularity(position: number): number;
  /** The `count` most popular items carrying the term. */
  mostPopularWith(termId: number, count: number): Uint32Array;
  /** The `count` most popular items of the catalog. */
  mostPopular(count: number): Uint32Array;
  /** Item coordinates, when it has some. */
  point(position: number): { readonly longitude: number; readonly latitude: number } | undefined;
  distanceKm(position: number, latitude: number, longitude: number): number | undefined;
  /** Up to `count` located items within `radiusKm`, nearest first, that pass `accept`. */
  nearest(latitude: number, longitude: number, count: number, radiusKm: number, accept?: (position: number) => boolean): number[];
  /** As `nearest`, among the items carrying the term. */
  nearestWith(termId: number, latitude: number, longitude: number, count: number, radiusKm: number, accept?: (position: number) => boolean): number[];
  /** Start and end instants in epoch ms, NaN when the item has none. */
  startMs(position: number): number;
  endMs(position: number): number;
}

/**
 * Builds the index of one content type. Cost: O(T log T) for T = total (item, term) pairs, from
 * sorting the spatial postings; memory about 20 bytes per pair.
 */
export function buildCatalogIndex(
  contentType: ContentKind,
  items: readonly ContentItemRecord[],
  weights: EngineWeights = DEFAULT_WEIGHTS,
): CatalogIndex {
  const n = items.length;
  const byId = new Map<string, number>();
  const termIds = new Map<string, number>();
  const termKeys: string[] = [];
  const tagFlag = u32();
  const idOf = (key: string, tag: boolean): number => {
    let id = termIds.get(key);
    if (id === undefined) {
      id = termKeys.push(key) - 1;
      termIds.set(key, id);
      tagFlag.push(tag ? 1 : 0);
    }
    return id;
  };

  // Pass 1: each item's terms with raw weights, flat.
  const start = new Uint32Array(n + 1);
  const termOf = u32();
  const rawWeight = new TypedArrayBuilder((size) => new Float32Array(size));
  const tagStart = new Uint32Array(n + 1);
  const tagOf = u32();
  const popularity = new Float32Array(n);
  const lon = new Float64Array(n).fill(NaN);
  const lat = new Float64Array(n).fill(NaN);
  const startAt = new Float64Array(n).fill(NaN);
  const endAt = new Float64Array(n).fill(NaN);
  for (let i = 0; i < n; i++) {
    const item = items[i]!;
    if (item.contentType !== contentType) {
      throw new RangeError(`item ${item.id} is a ${item.contentType}, not a ${contentType}`);
    }
    if (byId.has(item.id)) throw new RangeError(`item ${item.id} appears twice`);
    byId.set(item.id, i);
    const local = new Map<number, number>();
    for (const tag of item.tags) {
      const id = idOf(tagTerm(tag), true);
      if (!local.has(id)) {
        local.set(id, 1);
        tagOf.push(id);
      }
    }
    tagStart[i + 1] = tagOf.length;
    const wordCounts = new Map<number, number>();
    for (const w of words(`${item.title} ${item.description} ${item.tags.join(" ")}`)) {
      const id = idOf(wordTerm(w), false);
      wordCounts.set(id, (wordCounts.get(id) ?? 0) + 1);
    }
    // Sublinear TF: a word said three times is not three times the topic.
    for (const [id, tf] of wordCounts) local.set(id, weights.wordVsTag * (1 + Math.log(tf)));
    for (const [id, w] of local) {
      termOf.push(id);
      rawWeight.push(w);
    }
    start[i + 1] = termOf.length;
    popularity[i] = Math.min(1, Math.max(0, Number.isFinite(item.popularity) ? item.popularity : 0));
    if (isCoordinate(item.latitude, 90) && isCoordinate(item.longitude, 180)) {
      lat[i] = item.latitude;
      lon[i] = item.longitude;
    }
    if (item.startTime) startAt[i] = item.startTime.getTime();
    if (item.endTime) endAt[i] = item.endTime.getTime();
  }
  const terms = termOf.done();
  const tags = tagOf.done();
  const isTagTerm = tagFlag.done();
  const termCount = termKeys.length;

  // Document frequencies, then smoothed IDF (always > 0, so a term in every item still counts a little).
  const df = new Uint32Array(termCount);
  for (const t of terms) df[t]!++;
  const idf = new Float64Array(termCount);
  for (let t = 0; t < termCount; t++) idf[t] = Math.log((n + 1) / (df[t]! + 1)) + 1;

  // Unit-length TF-IDF vectors, so a cosine is a plain dot product with the user's vector.
  const weight = new Float32Array(terms.length);
  for (let i = 0; i < n; i++) {
    let norm = 0;
    for (let k = start[i]!; k < start[i + 1]!; k++) {
      const w = rawWeight.get(k) * idf[terms[k]!]!;
      weight[k] = w;
      norm += w * w;
    }
    norm = Math.sqrt(norm) || 1;
    for (let k = start[i]!; k < start[i + 1]!; k++) weight[k]! /= norm;
  }

  // Popularity order (ties: catalog order), then postings filled in that order so each is sorted by popularity.
  const byPopularity = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => popularity[b]! - popularity[a]! || a - b);
  const postingStart = new Uint32Array(termCount + 1);
  for (const t of terms) postingStart[t + 1]!++;
  for (let t = 0; t < termCount; t++) postingStart[t + 1]! += postingStart[t]!;
  const fill = postingStart.slice(0, termCount);
  const postings = new Uint32Array(terms.length);
  for (const i of byPopularity) {
    for (let k = start[i]!; k < start[i + 1]!; k++) postings[fill[terms[k]!]!++] = i;
  }

  const located = (i: number) => !Number.isNaN(lat[i]!);
  // Per-term trees store float32 coordinates (under a metre of error, half the memory); every
  // distance that decides anything is recomputed from the float64 arrays above.
  const pointSet = (members: ArrayLike<number>, precision: Float64ArrayConstructor | Float32ArrayConstructor): PointSet | undefined => {
    let count = 0;
    for (let k = 0; k < members.length; k++) if (located(members[k]!)) count++;
    if (count === 0) return undefined;
    const tree = new KDBush(count, 16, precision);
    const item = new Uint32Array(count);
    for (let k = 0, p = 0; k < members.length; k++) {
      const i = members[k]!;
      if (!located(i)) continue;
      item[p++] = i;
      tree.add(lon[i]!, lat[i]!);
    }
    tree.finish();
    return { tree, item };
  };

  const hasPlace = contentType === "place" || contentType === "event";
  const everything = hasPlace ? pointSet(byPopularity, Float64Array) : undefined;
  // A term mapped to undefined has a tree-worthy posting without one located item.
  const spatialByTerm = new Map<number, PointSet | undefined>();
  if (hasPlace) {
    for (let t = 0; t < termCount; t++) {
      if (postingStart[t + 1]! - postingStart[t]! >= SPATIAL_POSTINGS_MIN) {
        spatialByTerm.set(t, pointSet(postings.subarray(postingStart[t]!, postingStart[t + 1]!), Float32Array));
      }
    }
  }

  const nearestIn = (
    set: PointSet | undefined,
    latitude: number,
    longitude: number,
    count: number,
    radiusKm: number,
    accept?: (position: number) => boolean,
  ): number[] => {
    if (!set || count <= 0) return [];
    const hits = around(set.tree, longitude, latitude, count, radiusKm, accept && ((k) => accept(set.item[k]!)));
    return hits.map((k) => set.item[k]!);
  };

  return {
    contentType,
    items,
    position: (itemId) => byId.get(itemId),
    termId: (term) => termIds.get(term),
    termKey: (termId) => termKeys[termId]!,
    termCount,
    isTag: (termId) => isTagTerm[termId] === 1,
    idf: (termId) => idf[termId]!,
    vectorStart: start,
    vectorTerm: terms,
    vectorWeight: weight,
    forEachTerm(position, visit) {
      for (let k = start[position]!; k < start[position + 1]!; k++) visit(terms[k]!, weight[k]!);
    },
    tagIds: (position) => tags.subarray(tagStart[position]!, tagStart[position + 1]!),
    popularity: (position) => popularity[position]!,
    mostPopularWith(termId, count) {
      const from = postingStart[termId]!;
      return postings.subarray(from, Math.min(postingStart[termId + 1]!, from + Math.max(0, count)));
    },
    mostPopular: (count) => byPopularity.subarray(0, Math.max(0, count)),
    point: (position) => (located(position) ? { longitude: lon[position]!, latitude: lat[position]! } : undefined),
    distanceKm: (position, latitude, longitude) =>
      located(position) ? distance(longitude, latitude, lon[position]!, lat[position]!) : undefined,
    nearest: (latitude, longitude, count, radiusKm, accept) => nearestIn(everything, latitude, longitude, count, radiusKm, accept),
    nearestWith(termId, latitude, longitude, count, radiusKm, accept) {
      if (spatialByTerm.has(termId)) return nearestIn(spatialByTerm.get(termId), latitude, longitude, count, radiusKm, accept);
      // Short posting: measure each member.
      const found: { i: number; d: number }[] = [];
      for (let k = postingStart[termId]!; k < postingStart[termId + 1]!; k++) {
        const i = postings[k]!;
        if (!located(i) || (accept && !accept(i))) continue;
        const d = distance(longitude, latitude, lon[i]!, lat[i]!);
        if (d <= radiusKm) found.push({ i, d });
      }
      found.sort((a, b) => a.d - b.d || a.i - b.i);
      return found.slice(0, Math.max(0, count)).map((f) => f.i);
    },
    startMs: (position) => startAt[position]!,
    endMs: (position) => endAt[position]!,
  };
}

function isCoordinate(v: number | null | undefined, limit: number): v is number {
  return typeof v === "number" && Number.isFinite(v) && Math.abs(v) <= limit;
}
