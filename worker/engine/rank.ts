import type { ContentKind } from "../../server/domain/content/kinds.js";
import type { GeoPoint } from "../../server/domain/users/profile.js";
import { eventEndMs, generateCandidates } from "./candidates.js";
import type { CatalogIndex } from "./catalog-index.js";
import { collaborativeScores, engagementOf, type CollaborativeScore, type ItemSimilarity } from "./item-similarity.js";
import { foldInUser } from "./mf/fold-in.js";
import { dotRow, type MfModel } from "./mf/model.js";
import { memoFor, type IndexMemo } from "./index-memo.js";
import { diversify } from "./mmr.js";
import { topK } from "./top-k.js";
import {
  POPULAR_REASON,
  TASTE_REASON,
  STARTER_REASON,
  collaborativeReason,
  distanceReason,
  ownReason,
  soonnessReason,
  termReason,
  widenedReason,
} from "./reasons.js";
import type { UserModel, UserTerm } from "./user-model.js";
import { DEFAULT_WEIGHTS, HOUR_MS, type EngineWeights, type ScoreMix } from "./weights.js";

export interface RankInput {
  readonly contentType: ContentKind;
  readonly index: CatalogIndex;
  readonly user: UserModel;
  readonly similarity?: ItemSimilarity;
  /** Where the list is for; places and events fall back to the profile's location. */
  readonly location?: GeoPoint;
  readonly now: Date;
  readonly weights?: EngineWeights;
  /** List size; EngineWeights.listSize when absent. */
  readonly limit?: number;
  /**
   * Matrix factorisation (mf/): the trained model, and the user's vector when the caller has it
   * (otherwise it is folded in from user.positives). Scores EngineWeights.mix[type].mf.
   */
  readonly mf?: { readonly model: MfModel; readonly userVector?: Float32Array };
  /**
   * Rank exactly these items (those in the index and not excluded) instead of generating
   * candidates: the offline evaluation's candidate lists, or the whole catalog for full ranking.
   * Cost O(ids) instead of bounded.
   */
  readonly candidateIds?: Iterable<string>;
}

export interface Recommendation {
  readonly itemId: string;
  /** In [0, 1], never higher than the score above it. */
  readonly relevanceScore: number;
  /** 1-based. */
  readonly rankingPosition: number;
  readonly distanceKm?: number;
  readonly reasons: string[];
}

export interface RankResult {
  readonly recommendations: Recommendation[];
  /** The radius searched, for places and events with a location. */
  readonly radiusKm?: number;
  /** True when the starting radius held too few items and was widened. */
  readonly widened: boolean;
  /** How many items were scored: bounded by EngineWeights.candidates, whatever the catalog size. */
  readonly candidates: number;
}

interface Scored {
  readonly position: number;
  readonly score: number;
  readonly content: number;
  readonly collaborative: number;
  readonly popularity: number;
  /** MF score ÷ the best candidate's; 0 without a model or a user vector. */
  readonly taste: number;
  readonly because?: string;
}

/**
 * Ranks one content type for one user. Pure: the same input gives the same output.
 * Steps: candidates from the index (see generateCandidates), a blended score per candidate
 * (EngineWeights.mix), push-down of ignored items, MMR over tags, reasons.
 * Cost: O(C × terms per item) for C candidates, plus O(limit × pool × tags) for MMR.
 */
export function rank(input: RankInput): RankResult {
  const { index, user, similarity } = input;
  const weights = input.weights ?? DEFAULT_WEIGHTS;
  const limit = Math.max(0, Math.floor(input.limit ?? weights.listSize));
  const now = input.now.getTime();
  if (input.contentType !== index.contentType) {
    throw new RangeError(`rank: index holds ${index.contentType} items, asked for ${input.contentType}`);
  }
  const kind = input.contentType;
  const located = kind === "place" || kind === "event";
  const location = located ? (input.location ?? user.location) : undefined;

  // The user's vector in this index's TF-IDF space; terms no item has cannot match and are dropped.
  const userVector = new Map<number, { weight: number; term: UserTerm }>();
  let userNorm = 0;
  for (const [key, term] of user.terms) {
    const id = index.termId(key);
    if (id === undefined) continue;
    const weight = term.weight * index.idf(id);
    userVector.set(id, { weight, term });
    userNorm += weight * weight;
  }
  userNorm = Math.sqrt(userNorm);
  const seedTerms = [...userVector]
    .filter(([, v]) => v.weight > 0)
    .sort((a, b) => b[1].weight - a[1].weight || a[0] - b[0])
    .map(([id]) => id);

  const cf = similarity ? collaborativeScores(similarity, user.positives, weights.candidates.seeds) : new Map<string, CollaborativeScore>();
  // By catalog position (those of other content types drop out here): candidate generation and
  // scoring then never look an id up again.
  const cfAt = new Map<number, CollaborativeScore>();
  for (const [id, c] of cf) {
    const position = index.position(id);
    if (position !== undefined) cfAt.set(position, c);
  }
  const candidates = generateCandidates({
    index,
    excluded: user.excluded,
    seedTerms,
    collaborative: cfAt.keys(),
    ...(input.candidateIds ? { only: input.candidateIds } : {}),
    ...(similarity ? { similarity } : {}),
    ...(location ? { location } : {}),
    now,
    weights,
    limit,
  });

  // The user's weights by term id in the index's dense scratch array (filled and zeroed again around
  // the scoring loop below), so the cosine of each candidate reads an array instead of hashing each
  // of its terms. A bit per term says which hold a weight: a user has tens of terms and a catalog tens
  // of thousands, so most of a candidate's terms are rejected by the bitset, which stays in the
  // processor's cache, instead of a read from the weights, which do not.
  const { weight: userWeight, member: userTerm } = scratchOf(index);
  const { vectorStart, vectorTerm, vectorWeight } = index;
  const cosine = (position: number): number => {
    if (userNorm === 0) return 0;
    let dot = 0;
    for (let k = vectorStart[position]!, end = vectorStart[position + 1]!; k < end; k++) {
      const t = vectorTerm[k]!;
      if (userTerm[t >>> 5]! & (1 << (t & 31))) dot += vectorWeight[k]! * userWeight[t]!;
    }
    return Math.max(0, dot / userNorm);
  };

  const mfModel = input.mf?.model;
  const mfVector = mfModel ? (input.mf?.userVector ?? foldInUser(mfModel, user.positives)) : undefined;
  if (mfModel && mfVector && mfVector.length !== mfModel.dim) {
    throw new RangeError(`rank: user vector has ${mfVector.length} dimensions, the MF model ${mfModel.dim}`);
  }
  const mfRow = mfModel ? lookup(mfRows, mfModel, index, (id) => mfModel.itemIndex.get(id) ?? -1) : undefined;
  const engagement = similarity ? lookup(engagementRows, similarity, index, (id) => engagementOf(similarity, id)) : undefined;

  // Signals per candidate in flat arrays: a full ranking scores thousands of items per call.
  const { positions } = candidates;
  const count = positions.length;
  const content = new Float64Array(count);
  const collaborative = new Float64Array(count);
  const popularity = new Float64Array(count);
  const mfRaw = new Float64Array(count);
  const because: (string | undefined)[] = new Array<string | undefined>(count);
  // Taste signals relative to the best candidate, so the mix weighs the same for a user with two
  // interests (small cosines) and one with fifty, and for one seed or many.
  let maxContent = 0;
  let maxCf = 0;
  let maxMf = 0;
  for (const [id, v] of userVector) {
    userWeight[id] = v.weight;
    userTerm[id >>> 5] = userTerm[id >>> 5]! | (1 << (id & 31));
  }
  try {
    for (let k = 0; k < count; k++) {
      const position = positions[k]!;
      const c = cfAt.size > 0 ? cfAt.get(position) : undefined;
      content[k] = cosine(position);
      collaborative[k] = c?.score ?? 0;
      because[k] = c?.because;
      popularity[k] = Math.max(index.popularity(position), engagement ? engagement(position) : 0);
      const row = mfRow ? mfRow(position) : -1;
      mfRaw[k] = row < 0 ? 0 : dotRow(mfModel!, mfVector!, row);
      maxContent = Math.max(maxContent, content[k]!);
      maxCf = Math.max(maxCf, collaborative[k]!);
      maxMf = Math.max(maxMf, mfRaw[k]!);
    }
  } finally {
    // Whatever happens, the next ranking on this index starts from zeros.
    for (const id of userVector.keys()) {
      userWeight[id] = 0;
      userTerm[id >>> 5] = 0;
    }
  }
  // A model that knows nothing of this user (or none at all) says nothing: its weight is shared out.
  const mix = effectiveMix(weights.mix[kind], location !== undefined, maxMf > 0);
  const distanceHalfKm = (candidates.radiusKm ?? 1) * weights.distanceHalfOfRadius;

  const score = new Float64Array(count);
  const anyDistance = candidates.distanceKm.size > 0;
  const pushDownAt = new Map<number, number>();
  for (const [id, factor] of user.pushDown) {
    const position = index.position(id);
    if (position !== undefined) pushDownAt.set(position, factor);
  }
  for (let k = 0; k < count; k++) {
    const position = positions[k]!;
    const d = anyDistance ? candidates.distanceKm.get(position) : undefined;
    let blended =
      mix.content * (maxContent > 0 ? content[k]! / maxContent : 0) +
      mix.collaborative * (maxCf > 0 ? collaborative[k]! / maxCf : 0) +
      mix.distance * (d === undefined ? 0 : Math.pow(0.5, d / distanceHalfKm)) +
      mix.popularity * popularity[k]! +
      mix.soonness * (kind === "event" ? soonness(index.startMs(position), now, weights.soonnessHalfLifeHours) : 0) +
      mix.mf * (maxMf > 0 ? Math.max(0, mfRaw[k]!) / maxMf : 0);
    if (pushDownAt.size > 0) blended *= pushDownAt.get(position) ?? 1;
    score[k] = Math.min(1, Math.max(0, blended));
  }
  // Equal scores (common at cold start) fall back to a hash of the id, not the id itself, so the
  // list is not the alphabetically first items; the id decides only hash collisions.
  const hash = lookup(idHashes, index, index, fnv1a);
  const poolSize = Math.max(limit, limit * weights.mmrPoolFactor);
  const byScore = topK(score, poolSize).sort(
    (a, b) =>
      score[b]! - score[a]! ||
      hash(positions[a]!) - hash(positions[b]!) ||
      compareIds(index.items[positions[a]!]!.id, index.items[positions[b]!]!.id),
  );
  const pool = byScore.slice(0, poolSize).map(
    (k): Scored => ({
      position: positions[k]!,
      score: score[k]!,
      content: maxContent > 0 ? content[k]! / maxContent : 0,
      collaborative: maxCf > 0 ? collaborative[k]! / maxCf : 0,
      popularity: popularity[k]!,
      taste: mix.mf > 0 && maxMf > 0 ? Math.max(0, mfRaw[k]!) / maxMf : 0,
      ...(because[k] !== undefined ? { because: because[k] } : {}),
    }),
  );

  const order = diversify(
    pool.map((s) => ({ score: s.score, tags: index.tagIds(s.position) })),
    limit,
    weights.mmrLambda,
  );

  const ownInteraction = new Map(user.positives.map((p) => [p.itemId, p.kind]));
  let nearestKm = Infinity;
  for (const d of candidates.distanceKm.values()) nearestKm = Math.min(nearestKm, d);
  let ceiling = 1;
  const recommendations = order.map((k, n): Recommendation => {
    const s = pool[k]!;
    // MMR may lift a slightly weaker item above a stronger one; cap its score so scores never rise down the list.
    ceiling = Math.min(ceiling, Math.floor(s.score * 1e4) / 1e4);
    const d = candidates.distanceKm.get(s.position);
    const reasons = explain(s, d, nearestKm);
    return {
      itemId: index.items[s.position]!.id,
      relevanceScore: ceiling,
      rankingPosition: n + 1,
      ...(d !== undefined ? { distanceKm: Math.round(d * 1000) / 1000 } : {}),
      reasons,
    };
  });

  function explain(s: Scored, d: number | undefined, nearest: number): string[] {
    const essential: string[] = [];
    const optional: string[] = [];
    const own = ownInteraction.get(index.items[s.position]!.id);
    if (own) optional.push(ownReason(own));
    const matches = s.content > 0 ? contributingTerms(s.position) : [];
    if (matches[0]) optional.push(matches[0]);
    if (s.because !== undefined && s.collaborative >= weights.reasons.collaborativeAtLeast) {
      optional.push(collaborativeReason(s.because));
    } else if (s.taste >= weights.reasons.tasteAtLeast) {
      optional.push(TASTE_REASON);
    }
    if (matches[1]) optional.push(matches[1]);
    if (d !== undefined) {
      essential.push(distanceReason(d));
      if (candidates.widened && candidates.startKm !== undefined && d > candidates.startKm) {
        essential.push(widenedReason(nearest, candidates.startKm, candidates.radiusKm!));
      }
    }
    if (kind === "event") {
      const soon = soonnessReason(index.startMs(s.position), eventEndMs(index, s.position, weights), now);
      if (soon) essential.push(soon);
    }
    if (s.popularity >= weights.reasons.popularAtLeast) optional.push(POPULAR_REASON);
    const room = Math.max(0, weights.reasons.maxPerItem - essential.length);
    const reasons = [...optional.slice(0, room), ...essential];
    return reasons.length > 0 ? reasons : [STARTER_REASON];
  }

  /** The two user terms that did most for the item's match, one reason per distinct origin. */
  function contributingTerms(position: number): string[] {
    const byReason = new Map<string, number>();
    const title = index.items[position]!.title;
    index.forEachTerm(position, (t, w) => {
      const u = userVector.get(t);
      if (!u || u.weight <= 0) return;
      // An item is trivially "similar to" itself.
      if (u.term.source === "history" && u.term.label === title) return;
      const reason = termReason(u.term);
      if (reason === undefined) return;
      byReason.set(reason, (byReason.get(reason) ?? 0) + w * u.weight);
    });
    return [...byReason]
      .sort((a, b) => b[1] - a[1] || compareIds(a[0], b[0]))
      .slice(0, 2)
      .map(([reason]) => reason);
  }

  return {
    recommendations,
    ...(candidates.radiusKm !== undefined ? { radiusKm: candidates.radiusKm } : {}),
    widened: candidates.widened,
    candidates: candidates.positions.length,
  };
}

/**
 * Without a location the distance weight is shared out, and without an MF signal the MF weight,
 * so scores keep their [0, 1] range.
 */
function effectiveMix(mix: ScoreMix, hasLocation: boolean, hasMf: boolean): ScoreMix {
  const m = { ...mix, distance: hasLocation ? mix.distance : 0, mf: hasMf ? mix.mf : 0 };
  const total = m.content + m.collaborative + m.distance + m.popularity + m.soonness + m.mf;
  if (total <= 0) return m;
  return {
    content: m.content / total,
    collaborative: m.collaborative / total,
    distance: m.distance / total,
    popularity: m.popularity / total,
    soonness: m.soonness / total,
    mf: m.mf / total,
  };
}

/**
 * Per (source, index) memo of a number per catalog position, filled on first use, so repeated
 * rankings look an item up in typed arrays instead of hashing its id, and no call ever scans the
 * catalog (the memo costs one zero-filled array per index).
 */
type PositionLookup = (position: number) => number;
const mfRows: IndexMemo<PositionLookup> = new WeakMap();
const idHashes: IndexMemo<PositionLookup> = new WeakMap();
const engagementRows: IndexMemo<PositionLookup> = new WeakMap();
function lookup(cache: IndexMemo<PositionLookup>, source: object, index: CatalogIndex, resolve: (itemId: string) => number): PositionLookup {
  return memoFor(cache, source, index, () => {
    const known = new Uint8Array(index.items.length);
    const value = new Float64Array(index.items.length);
    return (position) => {
      if (known[position] === 0) {
        value[position] = resolve(index.items[position]!.id);
        known[position] = 1;
      }
      return value[position]!;
    };
  });
}

/**
 * Per index, zeroed between rankings (ranking is synchronous, so one is enough): the user's term
 * weights by term id, and a bit per term id set where a weight is.
 */
interface TermScratch {
  readonly weight: Float64Array;
  readonly member: Uint32Array;
}

const scratch: IndexMemo<TermScratch> = new WeakMap();
function scratchOf(index: CatalogIndex): TermScratch {
  return memoFor(scratch, index, index, () => ({ weight: new Float64Array(index.termCount), member: new Uint32Array(Math.ceil(index.termCount / 32)) }));
}

/** 1 while running, then halving every `halfLifeHours` of waiting; unknown start counts as 0. */
function soonness(startMs: number, now: number, halfLifeHours: number): number {
  if (Number.isNaN(startMs)) return 0;
  if (startMs <= now) return 1;
  return Math.pow(0.5, (startMs - now) / HOUR_MS / halfLifeHours);
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Locale-independent, so the order is the same on every machine. */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
