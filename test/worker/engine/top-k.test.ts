import { describe, expect, it } from "vitest";
import { seededRandom as random } from "../../../worker/engine/synthetic-catalog.js";
import { topK } from "../../../worker/engine/top-k.js";

describe("topK", () => {
  it("holds exactly what the first k of a full sort holds, ties at the cut included", () => {
    for (let seed = 1; seed <= 50; seed++) {
      const next = random(seed);
      const n = 1 + Math.floor(next() * 400);
      const k = 1 + Math.floor(next() * 60);
      // Few distinct values, so ties at the cut are common.
      const score = Float64Array.from({ length: n }, () => Math.floor(next() * 12) / 12);
      const sorted = Array.from(score.keys()).sort((a, b) => score[b]! - score[a]! || a - b);
      const got = topK(score, k);
      const cut = score[sorted[Math.min(k, n) - 1]!]!;
      const expected = sorted.filter((i) => score[i]! >= cut).sort((a, b) => a - b);
      expect(got, `seed ${seed}`).toEqual(expected);
      // So sorting what it returns and taking k gives the full sort's first k.
      expect([...got].sort((a, b) => score[b]! - score[a]! || a - b).slice(0, k)).toEqual(sorted.slice(0, k));
    }
  });

  it("finds the cut in long runs of equal, ascending and descending scores", () => {
    const n = 5_000;
    const inputs = {
      equal: Float64Array.from({ length: n }, () => 0.5),
      ascending: Float64Array.from({ length: n }, (_, i) => i / n),
      descending: Float64Array.from({ length: n }, (_, i) => 1 - i / n),
      twoValues: Float64Array.from({ length: n }, (_, i) => (i % 2) * 0.25),
    };
    for (const [name, score] of Object.entries(inputs)) {
      for (const k of [1, 100, n - 1]) {
        const cut = Float64Array.from(score).sort()[n - k]!;
        const expected = Array.from(score.keys()).filter((i) => score[i]! >= cut);
        expect(topK(score, k), `${name}, k = ${k}`).toEqual(expected);
      }
    }
  });

  it("returns everything when k covers the input, and nothing for k = 0", () => {
    expect(topK(Float64Array.from([0.2, 0.9, 0.5]), 3)).toEqual([0, 1, 2]);
    expect(topK(Float64Array.from([0.2, 0.9, 0.5]), 10)).toEqual([0, 1, 2]);
    expect(topK(Float64Array.from([0.2, 0.9, 0.5]), 0)).toEqual([]);
    expect(topK(Float64Array.from([0.2, 0.9, 0.5]), 1)).toEqual([1]);
  });
});
