/** The trained matrix-factorisation model as workers hold it. */

/** The hyper-parameters of implicit ALS (see ials.ts for the loss they enter). */
export interface MfHyperParameters {
  /** Embedding dimension d, a multiple of 4 (the kernels run four lanes). */
  readonly dim: number;
  /** Alternating passes (users, then items). */
  readonly epochs: number;
  /** λ, scaled per row by (observed entries + α0 × rows of the other side)^ν. */
  readonly regularization: number;
  /** ν: 1 scales the penalty with how much the row is constrained (Rendle et al. 2022); 0 is a plain λ. */
  readonly regularizationExp: number;
  /** α0: how much every unobserved (user, item) pair counts as a 0, relative to an observed pair's confidence. */
  readonly unobservedWeight: number;
  /** Conjugate-gradient steps per row solve in training (warm-started, so a few suffice). */
  readonly cgSteps: number;
  /** Item factors start as N(0, stddev² / d); user factors start at 0 and are solved first. */
  readonly stddev: number;
  readonly seed: number;
}

export interface MfModel {
  readonly hyper: MfHyperParameters;
  readonly dim: number;
  /** Items with a trained vector; row k of itemFactors belongs to itemIds[k]. */
  readonly itemIds: readonly string[];
  readonly itemIndex: ReadonlyMap<string, number>;
  /** itemIds.length × dim, row-major. */
  readonly itemFactors: Float32Array;
  /** Σ over items of h hᵀ (dim × dim), for folding users in without touching every item. */
  readonly itemGramian: Float64Array;
  /** How many users and (user, item) pairs the model was trained on. */
  readonly trainedUsers: number;
  readonly trainedPairs: number;
  /** Only when training asked to keep them (evaluation); production folds users in instead. */
  readonly userIds?: readonly string[];
  readonly userFactors?: Float32Array;
}

/** Builds the id → row map of a model's items. */
export function indexIds(ids: readonly string[]): Map<string, number> {
  const index = new Map<string, number>();
  ids.forEach((id, k) => index.set(id, k));
  return index;
}

/** ⟨user, item row⟩, or undefined when the item has no trained vector. */
export function mfScore(model: MfModel, userVector: Float32Array, itemId: string): number | undefined {
  const row = model.itemIndex.get(itemId);
  return row === undefined ? undefined : dotRow(model, userVector, row);
}

/** ⟨user, item row k⟩. */
export function dotRow(model: MfModel, userVector: Float32Array, row: number): number {
  const d = model.dim;
  const f = model.itemFactors;
  const o = row * d;
  let s = 0;
  for (let a = 0; a < d; a++) s += userVector[a]! * f[o + a]!;
  return s;
}
