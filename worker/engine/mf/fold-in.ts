import { CgScratch, cgSolve, type RowProblem } from "./linalg.js";
import type { MfModel } from "./model.js";

export interface FoldInOptions {
  /** Conjugate-gradient steps at most; CG is exact after `dim` steps in exact arithmetic. */
  readonly maxSteps?: number;
  /** Stop once ‖residual‖² ≤ tolerance × ‖right-hand side‖². */
  readonly tolerance?: number;
}

/**
 * A user's vector from their positive items, without retraining: the user half of an iALS epoch,
 * solved to convergence against the model's fixed item factors,
 *
 *   argmin_w  Σ_i c_i (⟨w, h_i⟩ − 1)² + α0 wᵀ G w + λ (n + α0 |I|)^ν ‖w‖²
 *
 * where G is the stored item Gramian, so the cost is O(steps × (d² + n d)) for n known items,
 * whatever the catalog size. Items the model does not know are skipped; a repeated item counts
 * once at its largest weight; no known item gives the zero vector (every MF score 0).
 */
export function foldInUser(
  model: MfModel,
  positives: Iterable<{ readonly itemId: string; readonly weight: number }>,
  options: FoldInOptions = {},
): Float32Array {
  const d = model.dim;
  const weightOf = new Map<number, number>();
  for (const p of positives) {
    const row = model.itemIndex.get(p.itemId);
    if (row === undefined || !(p.weight > 0) || !Number.isFinite(p.weight)) continue;
    weightOf.set(row, Math.max(weightOf.get(row) ?? 0, p.weight));
  }
  const user = new Float32Array(d);
  if (weightOf.size === 0) return user;
  const cols = Uint32Array.from(weightOf.keys());
  const conf = Float32Array.from(weightOf.values());
  const { hyper } = model;
  const problem: RowProblem = { d, other: model.itemFactors, gram: model.itemGramian, alpha0: hyper.unobservedWeight, cols, conf };
  const lambda = hyper.regularization * Math.pow(cols.length + hyper.unobservedWeight * model.itemIds.length, hyper.regularizationExp);
  const x = new Float64Array(d);
  cgSolve(problem, 0, cols.length, lambda, x, options.maxSteps ?? d, options.tolerance ?? 1e-6, new CgScratch(d));
  user.set(x);
  return user;
}
