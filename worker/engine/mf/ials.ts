import type { InteractionRecord } from "../../../server/domain/content/records.js";
import { seededRandom } from "../synthetic-catalog.js";
import { ItemPreference } from "../item-preference.js";
import { TypedArrayBuilder } from "../typed-builder.js";
import { DAY_MS, DEFAULT_WEIGHTS, type EngineWeights } from "../weights.js";
import { CgScratch, cgSolve, gramian, type RowProblem } from "./linalg.js";
import { indexIds, type MfHyperParameters, type MfModel } from "./model.js";

/** One (user, item) pair of implicit positive feedback; `weight` is its confidence (> 0). */
export interface MfPreference {
  readonly userId: string;
  readonly itemId: string;
  readonly weight: number;
}

export interface TrainMfOptions extends Partial<MfHyperParameters> {
  /** Keep the trained user factors in the model (evaluation); production folds users in instead. */
  readonly keepUserFactors?: boolean;
  /** Called after each epoch with the epoch number (1-based), e.g. to report progress. */
  readonly onEpoch?: (epoch: number) => void;
}

/**
 * What each user's interactions say as MF preferences, the same way item similarity reads them:
 * per (user, item) the strongest positive interaction's weight (EngineWeights.interactions),
 * decayed by age when `now` is given, and nothing when the latest verdict is a dislike.
 * Cost O(I) for I interactions.
 */
export function mfPreferences(
  interactions: Iterable<InteractionRecord>,
  options: { readonly now?: Date; readonly weights?: EngineWeights } = {},
): MfPreference[] {
  const weights = options.weights ?? DEFAULT_WEIGHTS;
  const now = options.now?.getTime();
  const halfLife = weights.interactionHalfLifeDays * DAY_MS;
  const byUser = new Map<string, Map<string, ItemPreference>>();
  for (const it of interactions) {
    let items = byUser.get(it.userId);
    if (!items) byUser.set(it.userId, (items = new Map()));
    let entry = items.get(it.contentItemId);
    if (!entry) items.set(it.contentItemId, (entry = new ItemPreference()));
    entry.add(it, weights, now, halfLife);
  }
  const out: MfPreference[] = [];
  for (const [userId, items] of byUser) {
    for (const [itemId, e] of items) if (e.kept) out.push({ userId, itemId, weight: e.pref });
  }
  return out;
}

/** Sparse rows: row r's entries are cols[start[r] .. start[r + 1]) with confidences conf[...]. */
export interface Csr {
  readonly start: Uint32Array;
  readonly cols: Uint32Array;
  readonly conf: Float32Array;
}

/**
 * Implicit alternating least squares (iALS; Hu, Koren and Volinsky 2008, in the formulation of
 * Rendle et al. 2022, "Revisiting the Performance of iALS on Item Recommendation Benchmarks"):
 *
 *   minimise  Σ_{(u,i) observed} c_ui (⟨w_u, h_i⟩ − 1)²  +  α0 Σ_{all u, i} ⟨w_u, h_i⟩²
 *             + λ Σ_u (n_u + α0 |I|)^ν ‖w_u‖²  +  λ Σ_i (n_i + α0 |U|)^ν ‖h_i‖²
 *
 * No biases. The all-pairs term is carried by the Gramian of the fixed side, so a pass costs
 * O(rows × d² + pairs × d) per conjugate-gradient step (Takács et al. 2011), never users × items.
 * Deterministic for a given input order and seed. See trainMfParallel for the same on threads.
 */
export function trainMf(preferences: Iterable<MfPreference>, options: TrainMfOptions = {}): MfModel {
  const job = prepareMf(preferences, options, (n) => new Float32Array(n));
  const { hyper, byUser, byItem, userF, itemF } = job;
  const users = job.userIds.length;
  const items = job.itemIds.length;
  for (let epoch = 1; epoch <= hyper.epochs; epoch++) {
    solveRows(hyper, byUser, 0, users, userF, itemF, gramian(itemF, items, hyper.dim), items);
    solveRows(hyper, byItem, 0, items, itemF, userF, gramian(userF, users, hyper.dim), users);
    options.onEpoch?.(epoch);
  }
  return finishMf(job, options);
}

/** The data and starting factors of one training run. */
export interface MfJob {
  readonly hyper: MfHyperParameters;
  readonly byUser: Csr;
  readonly byItem: Csr;
  readonly userIds: string[];
  readonly itemIds: string[];
  readonly userF: Float32Array;
  readonly itemF: Float32Array;
}

/** Resolves the hyper-parameters, builds both sparse orientations and the initial factors. */
export function prepareMf(preferences: Iterable<MfPreference>, options: TrainMfOptions, alloc: (n: number) => Float32Array): MfJob {
  const hyper: MfHyperParameters = {
    dim: options.dim ?? DEFAULT_WEIGHTS.mf.dim,
    epochs: options.epochs ?? DEFAULT_WEIGHTS.mf.epochs,
    regularization: options.regularization ?? DEFAULT_WEIGHTS.mf.regularization,
    regularizationExp: options.regularizationExp ?? DEFAULT_WEIGHTS.mf.regularizationExp,
    unobservedWeight: options.unobservedWeight ?? DEFAULT_WEIGHTS.mf.unobservedWeight,
    cgSteps: options.cgSteps ?? DEFAULT_WEIGHTS.mf.cgSteps,
    stddev: options.stddev ?? DEFAULT_WEIGHTS.mf.stddev,
    seed: options.seed ?? DEFAULT_WEIGHTS.mf.seed,
  };
  const d = hyper.dim;
  if (!Number.isInteger(d) || d < 4 || d % 4 !== 0) throw new RangeError(`trainMf: dim must be a positive multiple of 4, got ${d}`);
  const { byUser, byItem, userIds, itemIds } = toCsr(preferences);
  const userF = alloc(userIds.length * d);
  const itemF = alloc(itemIds.length * d);
  const random = seededRandom(hyper.seed);
  const scale = hyper.stddev / Math.sqrt(d);
  for (let k = 0; k < itemF.length; k++) {
    // Box–Muller; 1 − u keeps the logarithm finite.
    itemF[k] = scale * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  }
  return { hyper, byUser, byItem, userIds, itemIds, userF, itemF };
}

/**
 * Solves rows [from, to) of one side against the fixed other side (factors and Gramian), in
 * place. Rows are independent, so any split of the range over threads gives the same result.
 */
export function solveRows(
  hyper: MfHyperParameters,
  rows: Csr,
  from: number,
  to: number,
  own: Float32Array,
  other: Float32Array,
  gram: Float64Array,
  otherCount: number,
): void {
  const d = hyper.dim;
  const problem: RowProblem = { d, other, gram, alpha0: hyper.unobservedWeight, cols: rows.cols, conf: rows.conf };
  const scratch = new CgScratch(d);
  const x = new Float64Array(d);
  const unobserved = hyper.unobservedWeight * otherCount;
  for (let r = from; r < to; r++) {
    const start = rows.start[r]!;
    const end = rows.start[r + 1]!;
    const lambda = hyper.regularization * Math.pow(end - start + unobserved, hyper.regularizationExp);
    const o = r * d;
    for (let a = 0; a < d; a++) x[a] = own[o + a]!;
    cgSolve(problem, start, end, lambda, x, hyper.cgSteps, 0, scratch);
    for (let a = 0; a < d; a++) own[o + a] = x[a]!;
  }
}

/** The model of a finished job (item Gramian from the final float32 factors). */
export function finishMf(job: MfJob, options: TrainMfOptions): MfModel {
  const { hyper, itemIds, userIds } = job;
  // Own, unshared copies of shared memory, so the model outlives any threads that trained it.
  const own = (a: Float32Array) => (a.buffer instanceof SharedArrayBuffer ? Float32Array.from(a) : a);
  const itemFactors = own(job.itemF);
  return {
    hyper,
    dim: hyper.dim,
    itemIds,
    itemIndex: indexIds(itemIds),
    itemFactors,
    itemGramian: gramian(itemFactors, itemIds.length, hyper.dim),
    trainedUsers: userIds.length,
    trainedPairs: job.byUser.cols.length,
    ...(options.keepUserFactors ? { userIds, userFactors: own(job.userF) } : {}),
  };
}

/** Both sparse orientations of the preferences, each pair once (its largest weight). */
function toCsr(preferences: Iterable<MfPreference>): { byUser: Csr; byItem: Csr; userIds: string[]; itemIds: string[] } {
  const userIds: string[] = [];
  const itemIds: string[] = [];
  const userOf = new Map<string, number>();
  const itemOf = new Map<string, number>();
  const u = new TypedArrayBuilder((n) => new Uint32Array(n));
  const i = new TypedArrayBuilder((n) => new Uint32Array(n));
  const w = new TypedArrayBuilder((n) => new Float32Array(n));
  for (const p of preferences) {
    if (!(p.weight > 0) || !Number.isFinite(p.weight)) continue;
    let ui = userOf.get(p.userId);
    if (ui === undefined) userOf.set(p.userId, (ui = userIds.push(p.userId) - 1));
    let ii = itemOf.get(p.itemId);
    if (ii === undefined) itemOf.set(p.itemId, (ii = itemIds.push(p.itemId) - 1));
    u.push(ui);
    i.push(ii);
    w.push(p.weight);
  }
  const byUserRaw = bucket(u.data, i.data, w.data, u.length, userIds.length);
  const byUser = dedupe(byUserRaw, itemIds.length);
  // Transpose the deduplicated rows.
  const rowOf = new Uint32Array(byUser.cols.length);
  for (let r = 0; r < userIds.length; r++) rowOf.fill(r, byUser.start[r]!, byUser.start[r + 1]!);
  const byItem = bucket(byUser.cols, rowOf, byUser.conf, byUser.cols.length, itemIds.length);
  return { byUser, byItem, userIds, itemIds };
}

/** Counting sort of n (row, col, weight) triples into rows. */
function bucket(row: Uint32Array, col: Uint32Array, weight: Float32Array, n: number, rows: number): Csr {
  const start = new Uint32Array(rows + 1);
  for (let k = 0; k < n; k++) start[row[k]! + 1]!++;
  for (let r = 0; r < rows; r++) start[r + 1]! += start[r]!;
  const fill = start.slice(0, rows);
  const cols = new Uint32Array(n);
  const conf = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    const at = fill[row[k]!]!++;
    cols[at] = col[k]!;
    conf[at] = weight[k]!;
  }
  return { start, cols, conf };
}

/** Merges repeated columns within each row, keeping the largest weight. */
function dedupe(m: Csr, colCount: number): Csr {
  const rows = m.start.length - 1;
  const slot = new Int32Array(colCount).fill(-1);
  const start = new Uint32Array(rows + 1);
  const cols = new Uint32Array(m.cols.length);
  const conf = new Float32Array(m.cols.length);
  let out = 0;
  for (let r = 0; r < rows; r++) {
    const rowStart = out;
    for (let k = m.start[r]!; k < m.start[r + 1]!; k++) {
      const c = m.cols[k]!;
      const s = slot[c]!;
      if (s >= rowStart) conf[s] = Math.max(conf[s]!, m.conf[k]!);
      else {
        slot[c] = out;
        cols[out] = c;
        conf[out++] = m.conf[k]!;
      }
    }
    start[r + 1] = out;
  }
  return { start, cols: cols.slice(0, out), conf: conf.slice(0, out) };
}
