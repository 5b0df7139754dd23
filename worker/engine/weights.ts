import type { ContentKind, InteractionKind } from "../../server/domain/content/kinds.js";
import type { MfHyperParameters } from "./mf/model.js";

/** Which signals a content type mixes; each mix sums to 1 so a blended score stays in [0, 1]. */
export interface ScoreMix {
  readonly content: number;
  readonly collaborative: number;
  readonly distance: number;
  readonly popularity: number;
  readonly soonness: number;
  /**
   * Matrix factorisation (mf/): the user's folded-in vector · the item's trained vector, ÷ the best
   * candidate's (negatives count 0). Without a model, or for a user it knows nothing about, this
   * weight is shared out over the other signals like distance without a location.
   */
  readonly mf: number;
}

export interface RadiusRule {
  readonly startKm: number;
  readonly maxKm: number;
  readonly factor: number;
  /** Widen until at least this many live candidates lie inside (capped by the requested list size). */
  readonly minCandidates: number;
}

/**
 * Every tunable number of the ranking engine, in one place, so the offline evaluation can try a
 * variant by spreading this object and overriding one field.
 */
export interface EngineWeights {
  /**
   * What one interaction says about the user's taste, applied to the item's tags (user model)
   * and, for positive kinds, to the item itself (collaborative filtering).
   * SAVE is the strongest intent (they plan to go or listen), LIKE is explicit approval, SHARE
   * is approval that may be for someone else, CLICK is curiosity. A VIEW is an impression: when
   * the user saw the item and never clicked it, that is weak evidence against it. IGNORE is an
   * explicit "not now"; DISLIKE is an explicit "no".
   */
  readonly interactions: Readonly<Record<InteractionKind, number>>;
  /** Interactions lose half their weight every this many days: tastes drift, a trip ends. */
  readonly interactionHalfLifeDays: number;
  /** Travel history fades more slowly than clicks: a city visited last year is still an affinity. */
  readonly travelHalfLifeDays: number;
  /** Interactions with another content type count this much (one tag vocabulary across types). */
  readonly crossTypeTransfer: number;
  /** Weight of each profile source in the user's term vector. */
  readonly profile: {
    readonly interest: number;
    readonly keyword: number;
    readonly archetype: number;
    /** Age group and relationship status: mild nudges, never enough to outrank a stated interest. */
    readonly demographic: number;
    readonly currentCity: number;
    readonly travelCity: number;
  };
  /** A word of a title or description counts this much against a tag with the same IDF. */
  readonly wordVsTag: number;
  /**
   * Per content type, which interaction kinds remove an item from the list for good.
   * DISLIKE everywhere. For music and films, a like, save or share means the user already knows
   * the work, and a list of things they know wastes its slots. A liked or saved place or event
   * stays eligible: a traveller back in town, or deciding what to do tonight, is helped by
   * seeing the bar they saved.
   */
  readonly exclude: Readonly<Record<ContentKind, readonly InteractionKind[]>>;
  /**
   * Item-level push-down: the score is multiplied by exp(sum of decayed negative interaction
   * weights × this), so one fresh IGNORE roughly halves it and stale ones fade away.
   */
  readonly pushDownStrength: number;
  readonly mix: Readonly<Record<ContentKind, ScoreMix>>;
  /**
   * Implicit matrix factorisation (mf/ials.ts), trained by a periodic job on all users' positive
   * interactions (mfPreferences: the strongest decayed positive per user and item). Tuned on a
   * validation split of MovieLens 1M (scripts/eval.ts; see worker/engine/README.md).
   */
  readonly mf: MfHyperParameters;
  /** Radius rules for the located types. */
  readonly radius: Readonly<Record<"place" | "event", RadiusRule>>;
  /** Distance signal halves every (searched radius × this) km. */
  readonly distanceHalfOfRadius: number;
  /** An event without an end time is taken to last this long (it still ends, so it still leaves the list). */
  readonly assumedEventHours: number;
  /** An upcoming event's soonness signal halves every this many hours; a running event scores 1. */
  readonly soonnessHalfLifeHours: number;
  /** MMR trade-off: 1 = pure relevance, 0 = pure novelty. */
  readonly mmrLambda: number;
  /** MMR looks at the best (list size × this) candidates only. */
  readonly mmrPoolFactor: number;
  readonly listSize: number;
  /** Bounds that keep candidate generation independent of catalog size. */
  readonly candidates: {
    /** User terms used to fetch candidates (all terms still score). */
    readonly terms: number;
    /** Music and films: the most popular items taken per term. */
    readonly perTerm: number;
    /**
     * Places and events: the nearest items taken per term. Fewer than perTerm, because distance
     * also scores: the 51st nearest jazz bar rarely beats the 50 closer ones.
     */
    readonly perTermNearby: number;
    /** The nearest items of any kind (places/events) or the most popular (music/films). */
    readonly head: number;
    /** Positive items of the user whose neighbours are fetched. */
    readonly seeds: number;
  };
  /** Thresholds for saying a signal out loud. */
  readonly reasons: {
    readonly popularAtLeast: number;
    readonly collaborativeAtLeast: number;
    /** The MF score (÷ the best candidate's) from which "travellers with your taste…" is said. */
    readonly tasteAtLeast: number;
    readonly maxPerItem: number;
  };
}

export const DEFAULT_WEIGHTS: EngineWeights = {
  interactions: { save: 1, like: 0.8, share: 0.6, click: 0.3, view: -0.05, ignore: -0.7, dislike: -1.5 },
  interactionHalfLifeDays: 30,
  travelHalfLifeDays: 365,
  crossTypeTransfer: 0.5,
  profile: { interest: 1, keyword: 0.7, archetype: 0.5, demographic: 0.2, currentCity: 0.4, travelCity: 0.25 },
  wordVsTag: 0.5,
  exclude: {
    music: ["dislike", "like", "save", "share"],
    movie: ["dislike", "like", "save", "share"],
    place: ["dislike"],
    event: ["dislike"],
  },
  pushDownStrength: 1,
  mix: {
    // Each type's signals without MF keep their old proportions, scaled by (1 − mf), so a worker
    // without a model (or a user the model knows nothing of) ranks exactly as before.
    // Taste is all there is for media: no distance or date to weigh. MF takes 0.95: on the
    // MovieLens validation split no blend of MF with tags, co-likes or popularity beat MF alone
    // (0.8–1 all within ±0.004 HR@10, below the split's noise), and the small rest still orders
    // items MF cannot tell apart. Without MF, co-likes weigh nearly as much as tags because they
    // find what tags cannot.
    music: { content: 0.025, collaborative: 0.02, distance: 0, popularity: 0.005, soonness: 0, mf: 0.95 },
    movie: { content: 0.025, collaborative: 0.02, distance: 0, popularity: 0.005, soonness: 0, mf: 0.95 },
    // A stuck traveller walks: distance weighs almost as much as taste. MF is a taste signal among
    // others here (a judgement call: there is no located data set to validate it on).
    place: { content: 0.315, collaborative: 0.105, distance: 0.21, popularity: 0.07, soonness: 0, mf: 0.3 },
    event: { content: 0.32, collaborative: 0.08, distance: 0.16, popularity: 0.08, soonness: 0.16, mf: 0.2 },
  },
  // Tuned on the validation split of MovieLens 1M (scripts/eval.ts --split validation): dim 64 → 128
  // +0.004 NDCG@10, 192 no better; λ 0.004–0.007 a plateau without decay, 0.008 −0.05 HR@10 with
  // it; 2 CG steps as good as 3; 16 epochs slightly above 12. α0 with the likes decayed by age, as
  // interactions are in production (--order newest-first): 0.1 (0.05–0.2 within 0.01 of it; the
  // best without decay was 0.3). worker/engine/README.md has the grids.
  mf: { dim: 128, epochs: 16, regularization: 0.005, regularizationExp: 1, unobservedWeight: 0.1, cgSteps: 2, stddev: 0.02, seed: 1 },
  radius: {
    place: { startKm: 5, maxKm: 200, factor: 2, minCandidates: 10 },
    event: { startKm: 5, maxKm: 200, factor: 2, minCandidates: 10 },
  },
  distanceHalfOfRadius: 0.5,
  assumedEventHours: 3,
  soonnessHalfLifeHours: 48,
  mmrLambda: 0.7,
  mmrPoolFactor: 5,
  listSize: 20,
  candidates: { terms: 16, perTerm: 200, perTermNearby: 50, head: 200, seeds: 50 },
  reasons: { popularAtLeast: 0.6, collaborativeAtLeast: 0.25, tasteAtLeast: 0.7, maxPerItem: 4 },
};

/** Weight left of something that happened `ageMs` ago, halving every `halfLifeMs` (future dates count fully). */
export function decay(ageMs: number, halfLifeMs: number): number {
  return ageMs <= 0 ? 1 : Math.pow(0.5, ageMs / halfLifeMs);
}

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;
