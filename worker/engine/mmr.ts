/** One candidate as diversification sees it. */
export interface MmrCandidate {
  readonly score: number;
  /** Tag term ids. */
  readonly tags: Iterable<number>;
}

/**
 * Greedy Maximal-Marginal-Relevance re-rank over tags: picks, one at a time, the candidate
 * maximising λ·relevance − (1 − λ)·redundancy.
 *
 * Redundancy is the largest share of the list, this slot included, already carrying one of the
 * candidate's tags: c_t / (picked + 1). Classic MMR takes the highest similarity to any single
 * picked item instead, which does not grow as a tag repeats, so a jazz fan's ten stayed all jazz
 * at any λ; a share does grow, so the fifth jazz album must be clearly better than the best
 * non-jazz one to get in.
 *
 * Relevance is rescaled to [0, 1] over the pool so λ means the same for every user, whatever the
 * spread of their raw scores. `pool` must be sorted best first; the first pick is always pool[0].
 * Cost: O(count × pool × tags).
 */
export function diversify(pool: readonly MmrCandidate[], count: number, lambda: number): number[] {
  if (pool.length === 0 || count <= 0) return [];
  // λ = 1 is pure relevance: the pool's own order (the loop below would pick the same, slower).
  if (lambda >= 1) return Array.from({ length: Math.min(count, pool.length) }, (_, k) => k);
  const max = pool[0]!.score;
  const min = pool.reduce((m, c) => Math.min(m, c.score), max);
  const spread = max - min;
  const relevance = pool.map((c) => (spread > 0 ? (c.score - min) / spread : 1));

  // Each candidate's largest tag count so far, kept up to date from the tags of each pick (through
  // an inverted list of the pool's tags), so a pick scans the pool once instead of re-reading every
  // candidate's tags: O(pool × tags + count × pool) in all.
  const withTag = new Map<number, number[]>();
  pool.forEach((c, i) => {
    for (const t of c.tags) {
      const list = withTag.get(t);
      if (list) list.push(i);
      else withTag.set(t, [i]);
    }
  });
  const most = new Float64Array(pool.length);
  const tagCount = new Map<number, number>();
  const picked: number[] = [];
  const taken = new Uint8Array(pool.length);
  while (picked.length < Math.min(count, pool.length)) {
    let best = -1;
    let bestValue = -Infinity;
    for (let i = 0; i < pool.length; i++) {
      if (taken[i]) continue;
      const value = lambda * relevance[i]! - ((1 - lambda) * most[i]!) / (picked.length + 1);
      // Strictly greater: ties keep the pool's order, which is the deterministic relevance order.
      if (value > bestValue) {
        best = i;
        bestValue = value;
      }
    }
    taken[best] = 1;
    picked.push(best);
    for (const t of pool[best]!.tags) {
      const n = (tagCount.get(t) ?? 0) + 1;
      tagCount.set(t, n);
      for (const i of withTag.get(t)!) if (most[i]! < n) most[i] = n;
    }
  }
  return picked;
}
