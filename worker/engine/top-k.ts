/**
 * The indices of the `k` highest scores and of every score tied with the lowest of them, in index
 * order: what the first k of a full sort by score could hold, whatever its tie-breaking, without
 * sorting the thousands of candidates below them. O(n) expected: the cut is found by selection on
 * a copy of the scores, then one pass collects what reaches it. Scores must not be NaN.
 */
export function topK(score: Float64Array, k: number): number[] {
  if (k <= 0) return [];
  if (score.length <= k) return Array.from(score.keys());
  const threshold = select(Float64Array.from(score), score.length - k);
  const out: number[] = [];
  for (let i = 0; i < score.length; i++) if (score[i]! >= threshold) out.push(i);
  return out;
}

/**
 * The value that ascending order would put at `rank` (0-based), found by Hoare's selection on
 * `values`, which it reorders. Median-of-three pivots; runs of equal values (a cold start's equal
 * scores) are split evenly by the partition, so they do not make it quadratic.
 */
function select(values: Float64Array, rank: number): number {
  let lo = 0;
  let hi = values.length - 1;
  while (lo < hi) {
    const a = values[lo]!;
    const b = values[(lo + hi) >>> 1]!;
    const c = values[hi]!;
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const t = values[i]!;
        values[i++] = values[j]!;
        values[j--] = t;
      }
    }
    // Now [lo, j] ≤ pivot ≤ [i, hi], and anything between j and i equals the pivot.
    if (rank <= j) hi = j;
    else if (rank >= i) lo = i;
    else return values[rank]!;
  }
  return values[lo]!;
}
