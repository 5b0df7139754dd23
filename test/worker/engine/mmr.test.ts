import { describe, expect, it } from "vitest";
import { diversify, type MmrCandidate } from "../../../worker/engine/mmr.js";

// Ten strong items sharing tag 1, five a little weaker with tags of their own, and a weak tail.
const pool = [
  ...Array.from({ length: 10 }, (_, n) => ({ score: 1 - n * 0.01, tags: [1, 100 + n] })),
  ...Array.from({ length: 5 }, (_, n) => ({ score: 0.9 - n * 0.01, tags: [200 + n] })),
  ...Array.from({ length: 5 }, (_, n) => ({ score: 0.1, tags: [300 + n] })),
];

/** The greedy loop as written in the definition: every candidate's tags re-read at every pick. */
function reference(pool: readonly MmrCandidate[], count: number, lambda: number): number[] {
  const max = pool[0]!.score;
  const min = Math.min(...pool.map((c) => c.score));
  const relevance = pool.map((c) => (max > min ? (c.score - min) / (max - min) : 1));
  const picked: number[] = [];
  const tagCount = new Map<number, number>();
  while (picked.length < Math.min(count, pool.length)) {
    let best = -1;
    let bestValue = -Infinity;
    pool.forEach((c, i) => {
      if (picked.includes(i)) return;
      const most = Math.max(0, ...Array.from(c.tags, (t) => tagCount.get(t) ?? 0));
      const value = lambda * relevance[i]! - ((1 - lambda) * most) / (picked.length + 1);
      if (value > bestValue) [best, bestValue] = [i, value];
    });
    picked.push(best);
    for (const t of pool[best]!.tags) tagCount.set(t, (tagCount.get(t) ?? 0) + 1);
  }
  return picked;
}

describe("diversify", () => {
  it("picks what the definition's greedy loop picks, on random pools with shared and repeated tags", () => {
    let a = 7;
    const next = () => ((a = (Math.imul(a, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let round = 0; round < 40; round++) {
      const size = 1 + Math.floor(next() * 120);
      const pool = Array.from({ length: size }, () => ({
        score: Math.floor(next() * 20) / 20,
        tags: Array.from({ length: Math.floor(next() * 5) }, () => Math.floor(next() * 12)),
      })).sort((x, y) => y.score - x.score);
      const count = 1 + Math.floor(next() * 40);
      for (const lambda of [0, 0.3, 0.7, 0.95]) {
        expect(diversify(pool, count, lambda), `round ${round}, λ ${lambda}`).toEqual(reference(pool, count, lambda));
      }
    }
  });

  it("is plain relevance order at λ = 1", () => {
    expect(diversify(pool, 10, 1)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("always starts with the best item, then lets other tags in as one repeats", () => {
    const picked = diversify(pool, 10, 0.7);
    expect(picked[0]).toBe(0);
    const sharing = picked.filter((k) => k < 10).length;
    expect(sharing).toBeLessThanOrEqual(6);
    expect(sharing).toBeGreaterThanOrEqual(4);
    expect(picked.some((k) => k >= 15)).toBe(false); // the weak tail stays out: relevance still counts
    expect(new Set(picked).size).toBe(10);
    // Within each group, relevance order is kept.
    const strong = picked.filter((k) => k < 10);
    expect(strong).toEqual([...strong].sort((a, b) => a - b));
  });

  it("never picks more than asked or than the pool holds", () => {
    expect(diversify(pool, 3, 0.7)).toHaveLength(3);
    expect(diversify(pool.slice(0, 2), 10, 0.7)).toHaveLength(2);
    expect(diversify([], 10, 0.7)).toEqual([]);
  });

  it("keeps pool order among equals, so equal input gives equal output", () => {
    const flat = Array.from({ length: 6 }, (_, n) => ({ score: 0.5, tags: [n] }));
    expect(diversify(flat, 6, 0.7)).toEqual([0, 1, 2, 3, 4, 5]);
  });
});
