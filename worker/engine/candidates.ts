import type { GeoPoint } from "../../server/domain/users/profile.js";
import type { CatalogIndex } from "./catalog-index.js";
import { memoFor, type IndexMemo } from "./index-memo.js";
import type { ItemSimilarity } from "./item-similarity.js";
import { HOUR_MS, type EngineWeights } from "./weights.js";

export interface CandidateQuery {
  readonly index: CatalogIndex;
  readonly excluded: ReadonlySet<string>;
  /** The user's strongest terms first (term ids of this index). */
  readonly seedTerms: readonly number[];
  /** Catalog positions of the items scored by collaborative filtering. */
  readonly collaborative: Iterable<number>;
  readonly similarity?: ItemSimilarity;
  /** Only for places and events. */
  readonly location?: GeoPoint;
  readonly now: number;
  readonly weights: EngineWeights;
  readonly limit: number;
  /** Exactly these items (those in the index, accepted), instead of the bounded queries. */
  readonly only?: Iterable<string>;
}

export interface Candidates {
  /** Catalog positions, each once, in a deterministic order. */
  readonly positions: readonly number[];
  /** Distance from the location, by position (located queries only). */
  readonly distanceKm: ReadonlyMap<number, number>;
  /** The radius finally searched (located queries only). */
  readonly radiusKm?: number;
  readonly startKm?: number;
  readonly widened: boolean;
}

/** An event is live until its end; one without an end is assumed to last EngineWeights.assumedEventHours. */
export function eventEndMs(index: CatalogIndex, position: number, weights: EngineWeights): number {
  const end = index.endMs(position);
  if (!Number.isNaN(end)) return end;
  const start = index.startMs(position);
  return Number.isNaN(start) ? Infinity : start + weights.assumedEventHours * HOUR_MS;
}

/**
 * Everything worth scoring, from index queries only: the user's terms, their collaborative
 * neighbours, and a head of the nearest (places, events) or most popular (music, films) items.
 * Cost: O(terms × perTerm + seeds × topK + head), times log n for the spatial queries;
 * the catalog size enters only through the k-d tree depth.
 */
export function generateCandidates(q: CandidateQuery): Candidates {
  // Positions already taken, in the index's scratch array (cleared again however collect ends): a
  // typed-array read per visit instead of hashing into a set built anew for every list.
  const seen = seenScratch(q.index);
  const positions: number[] = [];
  try {
    return collect(q, seen, positions);
  } finally {
    for (const i of positions) seen[i] = 0;
  }
}

/** generateCandidates with its scratch: appends to `positions` what it takes, marking each in `seen`. */
function collect(q: CandidateQuery, seen: Uint8Array, positions: number[]): Candidates {
  const { index, weights, now } = q;
  const isEvent = index.contentType === "event";
  // By position: the spatial queries call accept for every item they visit.
  const excluded = new Set<number>();
  for (const id of q.excluded) {
    const i = index.position(id);
    if (i !== undefined) excluded.add(i);
  }
  const accept = (i: number) => (excluded.size === 0 || !excluded.has(i)) && (!isEvent || eventEndMs(index, i, weights) > now);
  const bounds = weights.candidates;
  const add = (i: number) => {
    if (seen[i] === 0) {
      seen[i] = 1;
      positions.push(i);
    }
  };
  const engaged = q.similarity ? engagedPositions(q.similarity, index) : [];
  const accepted = (positions: Iterable<number>) => {
    const out: number[] = [];
    for (const i of positions) if (accept(i)) out.push(i);
    return out;
  };
  const known = (ids: Iterable<string>) => {
    const out: number[] = [];
    for (const id of ids) {
      const i = index.position(id);
      if (i !== undefined) out.push(i);
    }
    return accepted(out);
  };

  const located = (index.contentType === "place" || index.contentType === "event") && q.location;
  if (q.only) {
    for (const i of known(q.only)) add(i);
    if (!located) return { positions, distanceKm: new Map(), widened: false };
  } else if (!located) {
    for (const t of q.seedTerms.slice(0, bounds.terms)) for (const i of index.mostPopularWith(t, bounds.perTerm)) if (accept(i)) add(i);
    for (const i of accepted(q.collaborative)) add(i);
    for (const i of accepted(engaged)) add(i);
    // The head is filtered after slicing, so a user who excluded the whole head gets fewer, not a scan.
    for (const i of index.mostPopular(bounds.head)) if (accept(i)) add(i);
    return { positions, distanceKm: new Map(), widened: false };
  }

  const { latitude, longitude } = q.location!;
  const rule = weights.radius[index.contentType as "place" | "event"];
  const enough = Math.max(1, Math.min(rule.minCandidates, q.limit));
  let radiusKm = rule.startKm;
  let widened = false;
  while (radiusKm < rule.maxKm && index.nearest(latitude, longitude, enough, radiusKm, accept).length < enough) {
    radiusKm = Math.min(rule.maxKm, radiusKm * rule.factor);
    widened = true;
  }

  const distanceKm = new Map<number, number>();
  if (q.only) {
    // The given list whatever the radius; the radius still sets the distance signal's scale.
    for (const i of positions) {
      const d = index.distanceKm(i, latitude, longitude);
      if (d !== undefined) distanceKm.set(i, d);
    }
    return { positions, distanceKm, radiusKm, startKm: rule.startKm, widened };
  }
  const addNear = (i: number) => {
    const d = index.distanceKm(i, latitude, longitude);
    if (d === undefined || d > radiusKm) return;
    distanceKm.set(i, d);
    add(i);
  };
  for (const i of index.nearest(latitude, longitude, bounds.head, radiusKm, accept)) addNear(i);
  for (const t of q.seedTerms.slice(0, bounds.terms)) {
    for (const i of index.nearestWith(t, latitude, longitude, bounds.perTermNearby, radiusKm, accept)) addNear(i);
  }
  for (const i of accepted(q.collaborative)) addNear(i);
  for (const i of accepted(engaged)) addNear(i);
  return { positions, distanceKm, radiusKm, startKm: rule.startKm, widened };
}

const seenByIndex: IndexMemo<Uint8Array> = new WeakMap();
function seenScratch(index: CatalogIndex): Uint8Array {
  return memoFor(seenByIndex, index, index, () => new Uint8Array(index.items.length));
}

/** The similarity model's most engaged items of the index's type as catalog positions, once per (model, index). */
const engagedByModel: IndexMemo<readonly number[]> = new WeakMap();
function engagedPositions(similarity: ItemSimilarity, index: CatalogIndex): readonly number[] {
  return memoFor(engagedByModel, similarity, index, () => {
    const positions: number[] = [];
    for (const k of similarity.mostEngaged[index.contentType]) {
      const i = index.position(similarity.itemIds[k]!);
      if (i !== undefined) positions.push(i);
    }
    return positions;
  });
}
