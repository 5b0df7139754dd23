import { describe, expect, it } from "vitest";
import { diversify } from "../../../worker/engine/mmr.js";

// Ten strong items sharing tag 1, five a little weaker with tags of their own, and a weak tail.
const pool = [
  ...Array.from({ length: 10 }, (_, n) => ({ score: 1 - n * 0.01, tags: [1, 100 + n] })),
  ...Array.from({ length: 5 }, (_, n) => ({ score: 0.9 - n * 0.01, tags: [200 + n] })),
  ...Array.from({ length: 5 }, (_, n) => ({ score: 0.1, tags: [300 + n] })),
];

describe("diversify", () => {
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
