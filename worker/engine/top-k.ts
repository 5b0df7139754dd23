/**
 * The indices of the `k` highest scores and of every score tied with the lowest of them, in index
 * order: what the first k of a full sort by score could hold, whatever its tie-breaking, without
 * sorting the thousands of candidates below them. O(n log n) in a typed-array sort of the scores
 * (native, no comparator calls), then O(n).
 */
export function topK(score: Float64Array, k: number): number[] {
  if (k <= 0) return [];
  if (score.length <= k) return Array.from(score.keys());
  const threshold = Float64Array.from(score).sort()[score.length - k]!;
  const out: number[] = [];
  for (let i = 0; i < score.length; i++) if (score[i]! >= threshold) out.push(i);
  return out;
}
