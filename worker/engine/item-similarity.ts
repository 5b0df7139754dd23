import { CONTENT_KINDS, type ContentKind } from "../../server/domain/content/kinds.js";
import type { InteractionRecord } from "../../server/domain/content/records.js";
import { ItemPreference } from "./item-preference.js";
import type { PositiveItem } from "./user-model.js";
import { DAY_MS, DEFAULT_WEIGHTS, type EngineWeights } from "./weights.js";

/**
 * Item-to-item collaborative filtering: two items are similar when the same people reacted
 * positively to both. Items of all content types share one structure, so "people who liked this
 * album went to this club" comes for free. Compact: ids once, neighbours in flat typed arrays.
 */
export interface ItemSimilarity {
  readonly itemIds: readonly string[];
  readonly position: ReadonlyMap<string, number>;
  readonly contentType: readonly ContentKind[];
  /** Neighbours of item i are neighbour[neighbourStart[i] .. neighbourStart[i + 1]), most similar first. */
  readonly neighbourStart: Uint32Array;
  readonly neighbour: Uint32Array;
  readonly similarity: Float32Array;
  /** Decayed count of people with a positive reaction, log-scaled to [0, 1] against the most engaged item. */
  readonly engagement: Float32Array;
  /** Per content type, the most engaged items (positions), best first. */
  readonly mostEngaged: Readonly<Record<ContentKind, Uint32Array>>;
}

export interface ItemSimilarityOptions {
  /** Neighbours kept per item. */
  readonly topK: number;
  /** With `now`, older interactions weigh less (EngineWeights.interactionHalfLifeDays). */
  readonly now?: Date;
  readonly weights?: EngineWeights;
  /**
   * Each user's strongest items kept for pairing: the pair count grows with the square of a
   * history, and a user with thousands of clicks says little about any one pair.
   */
  readonly maxItemsPerUser?: number;
  /**
   * Pairs liked together by fewer people are dropped: rankings scale collaborative scores to the
   * user's best one, so a lone coincidence would otherwise count as much as a crowd.
   */
  readonly minSupport?: number;
  /** Pairs seen by few users are shrunk by n / (n + shrinkage). */
  readonly shrinkage?: number;
  /** Length of each mostEngaged list. */
  readonly mostEngagedPerType?: number;
}

/**
 * Cost: O(I log I) for I interactions, plus O(Σ m²) pairs for users with m kept items each
 * (typed-array sums, no per-pair maps), plus O(P log P) for sorting each item's P co-occurring
 * items down to topK. Memory O(I + n × topK).
 */
export function buildItemSimilarity(interactions: Iterable<InteractionRecord>, options: ItemSimilarityOptions): ItemSimilarity {
  const weights = options.weights ?? DEFAULT_WEIGHTS;
  const maxItemsPerUser = options.maxItemsPerUser ?? 200;
  const minSupport = options.minSupport ?? 2;
  const shrinkage = options.shrinkage ?? 2;
  const headSize = options.mostEngagedPerType ?? 200;
  const now = options.now?.getTime();
  const halfLife = weights.interactionHalfLifeDays * DAY_MS;

  const itemIds: string[] = [];
  const position = new Map<string, number>();
  const contentType: ContentKind[] = [];
  // user → item position → what their interactions with it say
  const byUser = new Map<string, Map<number, ItemPreference>>();
  for (const it of interactions) {
    let pos = position.get(it.contentItemId);
    if (pos === undefined) {
      pos = itemIds.push(it.contentItemId) - 1;
      position.set(it.contentItemId, pos);
      contentType.push(it.contentType);
    }
    let items = byUser.get(it.userId);
    if (!items) byUser.set(it.userId, (items = new Map()));
    let entry = items.get(pos);
    if (!entry) items.set(pos, (entry = new ItemPreference()));
    entry.add(it, weights, now, halfLife);
  }

  const n = itemIds.length;
  // Each user's kept items, flat: user k's are keptItem[keptStart[k] .. keptStart[k + 1]).
  const keptStart: number[] = [0];
  const keptItemList: number[] = [];
  const keptPrefList: number[] = [];
  for (const items of byUser.values()) {
    const kept = [...items]
      .filter(([, e]) => e.kept)
      .sort((a, b) => b[1].pref - a[1].pref || a[0] - b[0])
      .slice(0, maxItemsPerUser);
    for (const [a, ea] of kept) {
      keptItemList.push(a);
      keptPrefList.push(ea.pref);
    }
    keptStart.push(keptItemList.length);
  }
  byUser.clear();
  const keptItem = Uint32Array.from(keptItemList);
  const keptPref = Float64Array.from(keptPrefList);
  const users = keptStart.length - 1;

  // The transpose, users in the same order, so each item's pair sums add up in the same order as a
  // walk over users would.
  const normSq = new Float64Array(n);
  const engagedBy = new Float64Array(n);
  const fanStart = new Uint32Array(n + 1);
  for (const a of keptItem) fanStart[a + 1]!++;
  for (let a = 0; a < n; a++) fanStart[a + 1]! += fanStart[a]!;
  const fill = fanStart.slice(0, n);
  const fanUser = new Uint32Array(keptItem.length);
  const fanPref = new Float64Array(keptItem.length);
  for (let u = 0; u < users; u++) {
    for (let k = keptStart[u]!; k < keptStart[u + 1]!; k++) {
      const a = keptItem[k]!;
      const pref = keptPref[k]!;
      normSq[a]! += pref * pref;
      engagedBy[a]! += pref;
      const at = fill[a]!++;
      fanUser[at] = u;
      fanPref[at] = pref;
    }
  }

  // One item at a time: its co-occurrence row in dense scratch arrays (reset through the touched
  // list), so memory stays O(n + topK × n) and no per-pair map is ever built.
  const dot = new Float64Array(n);
  const support = new Uint32Array(n);
  const touched = new Uint32Array(n);
  const neighbourStart = new Uint32Array(n + 1);
  const neighbourList: number[] = [];
  const similarityList: number[] = [];
  for (let a = 0; a < n; a++) {
    let count = 0;
    for (let f = fanStart[a]!; f < fanStart[a + 1]!; f++) {
      const u = fanUser[f]!;
      const pa = fanPref[f]!;
      for (let k = keptStart[u]!; k < keptStart[u + 1]!; k++) {
        const b = keptItem[k]!;
        if (b === a) continue;
        if (support[b] === 0) touched[count++] = b;
        support[b]!++;
        dot[b]! += pa * keptPref[k]!;
      }
    }
    const scored: { b: number; s: number }[] = [];
    for (let t = 0; t < count; t++) {
      const b = touched[t]!;
      const pairs = support[b]!;
      if (pairs >= minSupport) {
        const s = (dot[b]! / Math.sqrt(normSq[a]! * normSq[b]!)) * (pairs / (pairs + shrinkage));
        if (s > 0) scored.push({ b, s });
      }
      dot[b] = 0;
      support[b] = 0;
    }
    scored.sort((x, y) => y.s - x.s || x.b - y.b);
    for (const { b, s } of scored.slice(0, options.topK)) {
      neighbourList.push(b);
      similarityList.push(s);
    }
    neighbourStart[a + 1] = neighbourList.length;
  }

  let maxEngaged = 0;
  for (const e of engagedBy) maxEngaged = Math.max(maxEngaged, e);
  const engagement = Float32Array.from(engagedBy, (e) => (maxEngaged > 0 ? Math.log1p(e) / Math.log1p(maxEngaged) : 0));
  const mostEngaged = {} as Record<ContentKind, Uint32Array>;
  for (const kind of CONTENT_KINDS) {
    const ofKind: number[] = [];
    for (let i = 0; i < n; i++) if (contentType[i] === kind && engagement[i]! > 0) ofKind.push(i);
    ofKind.sort((a, b) => engagement[b]! - engagement[a]! || a - b);
    mostEngaged[kind] = Uint32Array.from(ofKind.slice(0, headSize));
  }

  return {
    itemIds,
    position,
    contentType,
    neighbourStart,
    neighbour: Uint32Array.from(neighbourList),
    similarity: Float32Array.from(similarityList),
    engagement,
    mostEngaged,
  };
}

/** The neighbours of one item, most similar first. */
export function neighboursOf(sim: ItemSimilarity, itemId: string): { itemId: string; similarity: number }[] {
  const a = sim.position.get(itemId);
  if (a === undefined) return [];
  const out: { itemId: string; similarity: number }[] = [];
  for (let k = sim.neighbourStart[a]!; k < sim.neighbourStart[a + 1]!; k++) {
    out.push({ itemId: sim.itemIds[sim.neighbour[k]!]!, similarity: sim.similarity[k]! });
  }
  return out;
}

export function engagementOf(sim: ItemSimilarity, itemId: string): number {
  const a = sim.position.get(itemId);
  return a === undefined ? 0 : sim.engagement[a]!;
}

export interface CollaborativeScore {
  /** Σ over seeds of seed weight × similarity; comparable within one user only. */
  readonly score: number;
  /** Title of the seed that contributed most, for "people who liked X liked this". */
  readonly because: string;
}

/**
 * Scores the neighbours of a user's positive items. Cost: O(seeds × topK).
 * Seeds themselves are not scored (the user knows them already).
 */
export function collaborativeScores(sim: ItemSimilarity, seeds: readonly PositiveItem[], maxSeeds: number): Map<string, CollaborativeScore> {
  const seedIds = new Set(seeds.map((s) => s.itemId));
  const total = new Map<string, number>();
  const top = new Map<string, { share: number; because: string }>();
  for (const seed of seeds.slice(0, maxSeeds)) {
    for (const { itemId, similarity } of neighboursOf(sim, seed.itemId)) {
      if (seedIds.has(itemId)) continue;
      const share = seed.weight * similarity;
      total.set(itemId, (total.get(itemId) ?? 0) + share);
      const best = top.get(itemId);
      if (!best || share > best.share) top.set(itemId, { share, because: seed.title });
    }
  }
  const out = new Map<string, CollaborativeScore>();
  for (const [itemId, score] of total) out.set(itemId, { score, because: top.get(itemId)!.because });
  return out;
}
