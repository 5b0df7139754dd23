import { describe, expect, it } from "vitest";
import { decodeMfModel, encodeMfModel } from "../../../worker/engine/mf/codec.js";
import { foldInUser } from "../../../worker/engine/mf/fold-in.js";
import { mfPreferences, trainMf, type MfPreference } from "../../../worker/engine/mf/ials.js";
import { mfScore, type MfModel } from "../../../worker/engine/mf/model.js";
import { trainMfParallel } from "../../../worker/engine/mf/parallel.js";
import { seededRandom } from "../../../worker/engine/synthetic-catalog.js";
import { DAY, NOW, interaction, item } from "./fixtures.js";

/**
 * A planted structure: `groups` taste groups of `usersPerGroup` users, each group liking its own
 * `itemsPerGroup` items with probability `p` (and nothing else). Returns the pairs and, per user,
 * the group's items they did not see, which a good model must rank above other groups' items.
 */
function planted(groups: number, usersPerGroup: number, itemsPerGroup: number, p: number, seed = 3) {
  const random = seededRandom(seed);
  const pairs: MfPreference[] = [];
  const unseen = new Map<string, string[]>();
  for (let g = 0; g < groups; g++) {
    for (let u = 0; u < usersPerGroup; u++) {
      const userId = `g${g}u${u}`;
      const missed: string[] = [];
      for (let i = 0; i < itemsPerGroup; i++) {
        const itemId = `g${g}i${i}`;
        if (random() < p) pairs.push({ userId, itemId, weight: 1 });
        else missed.push(itemId);
      }
      unseen.set(userId, missed);
    }
  }
  return { pairs, unseen };
}

const OPTIONS = { dim: 8, epochs: 12, regularization: 0.03, unobservedWeight: 0.1, cgSteps: 3, stddev: 0.1, seed: 5 } as const;

function vectorOf(model: MfModel, userId: string): Float32Array {
  const row = model.userIds!.indexOf(userId);
  return model.userFactors!.subarray(row * model.dim, (row + 1) * model.dim);
}

function cosine(a: Float32Array, b: Float32Array): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let k = 0; k < a.length; k++) {
    ab += a[k]! * b[k]!;
    aa += a[k]! * a[k]!;
    bb += b[k]! * b[k]!;
  }
  return ab / Math.sqrt(aa * bb);
}

describe("implicit ALS", () => {
  const { pairs, unseen } = planted(4, 30, 12, 0.6);
  const model = trainMf(pairs, { ...OPTIONS, keepUserFactors: true });

  it("recovers planted taste groups: a user's unseen group items outscore every other group's items", () => {
    let checked = 0;
    for (const [userId, missed] of unseen) {
      if (missed.length === 0) continue;
      const group = userId.slice(0, userId.indexOf("u"));
      const user = vectorOf(model, userId);
      const worstOwn = Math.min(...missed.map((i) => mfScore(model, user, i)!));
      const bestOther = Math.max(
        ...model.itemIds.filter((i) => !i.startsWith(`${group}i`)).map((i) => mfScore(model, user, i)!),
      );
      expect(worstOwn, userId).toBeGreaterThan(bestOther);
      checked++;
    }
    expect(checked).toBeGreaterThan(100);
    // Predictions for observed pairs approach the target 1 from below (regularised), others stay near 0.
    const user = vectorOf(model, "g0u0");
    const liked = pairs.filter((p) => p.userId === "g0u0").map((p) => mfScore(model, user, p.itemId)!);
    const mean = liked.reduce((s, v) => s + v, 0) / liked.length;
    expect(mean).toBeGreaterThan(0.5);
    expect(mean).toBeLessThan(1.05);
    expect(Math.abs(mfScore(model, user, "g1i0")!)).toBeLessThan(0.2);
  });

  it("is deterministic for a seed, and the seed matters", () => {
    const again = trainMf(pairs, OPTIONS);
    expect(again.itemFactors).toEqual(model.itemFactors);
    const other = trainMf(pairs, { ...OPTIONS, seed: 6 });
    expect(other.itemFactors).not.toEqual(model.itemFactors);
  });

  it("counts a repeated pair once, at its largest weight, and ignores non-positive weights", () => {
    const doubled = trainMf(
      [...pairs, ...pairs.map((p) => ({ ...p, weight: 0.5 })), { userId: "g0u0", itemId: "g3i0", weight: 0 }],
      OPTIONS,
    );
    expect(doubled.trainedPairs).toBe(pairs.length);
    expect(doubled.itemFactors).toEqual(model.itemFactors);
  });

  it("keeps the item Gramian equal to Σ h hᵀ", () => {
    const d = model.dim;
    for (const [a, b] of [[0, 0], [1, 3], [7, 2]] as const) {
      let sum = 0;
      for (let i = 0; i < model.itemIds.length; i++) sum += model.itemFactors[i * d + a]! * model.itemFactors[i * d + b]!;
      expect(model.itemGramian[a * d + b]).toBeCloseTo(sum, 6);
    }
  });

  it("trains the same model on threads", async () => {
    const parallel = await trainMfParallel(pairs, { ...OPTIONS, keepUserFactors: true, threads: 2 });
    expect(parallel.itemIds).toEqual(model.itemIds);
    expect(parallel.itemFactors).toEqual(model.itemFactors);
    expect(parallel.userFactors).toEqual(model.userFactors);
    expect(parallel.itemGramian).toEqual(model.itemGramian);
    expect(parallel.itemFactors.buffer).toBeInstanceOf(ArrayBuffer); // not shared memory
  });

  it("trains the same model with every row solved off the calling thread, which stays responsive", async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const offMain = await trainMfParallel(pairs, { ...OPTIONS, keepUserFactors: true, threads: 1, offMainThread: true });
    clearInterval(timer);
    expect(offMain.itemFactors).toEqual(model.itemFactors);
    expect(offMain.userFactors).toEqual(model.userFactors);
    expect(ticks).toBeGreaterThan(0);
  });

  it("refuses a dimension the four-lane kernels cannot run", () => {
    expect(() => trainMf(pairs, { ...OPTIONS, dim: 6 })).toThrow(RangeError);
  });
});

describe("fold-in", () => {
  const { pairs } = planted(3, 20, 10, 0.6, 9);
  // Enough steps and epochs that the trained user vectors are converged solutions.
  const model = trainMf(pairs, { ...OPTIONS, epochs: 30, cgSteps: 8, keepUserFactors: true });

  it("reproduces a training user's vector from their interactions alone", () => {
    for (const userId of ["g0u1", "g1u7", "g2u19"]) {
      const mine = pairs.filter((p) => p.userId === userId);
      const folded = foldInUser(model, mine);
      const trained = vectorOf(model, userId);
      expect(cosine(folded, trained), userId).toBeGreaterThan(0.999);
      let diff = 0;
      let norm = 0;
      for (let k = 0; k < model.dim; k++) {
        diff += (folded[k]! - trained[k]!) ** 2;
        norm += trained[k]! ** 2;
      }
      expect(Math.sqrt(diff / norm)).toBeLessThan(0.02);
    }
  });

  it("places a new user with one group's items in that group", () => {
    const user = foldInUser(model, [
      { itemId: "g1i0", weight: 1 },
      { itemId: "g1i3", weight: 1 },
    ]);
    const own = mfScore(model, user, "g1i5")!;
    expect(own).toBeGreaterThan(mfScore(model, user, "g0i5")!);
    expect(own).toBeGreaterThan(mfScore(model, user, "g2i5")!);
  });

  it("skips unknown items, keeps the largest weight of a repeated one, and gives zeros for nothing known", () => {
    expect([...foldInUser(model, [{ itemId: "nope", weight: 1 }])].every((v) => v === 0)).toBe(true);
    expect([...foldInUser(model, [])].every((v) => v === 0)).toBe(true);
    const once = foldInUser(model, [{ itemId: "g0i1", weight: 1 }]);
    const twice = foldInUser(model, [
      { itemId: "g0i1", weight: 0.3 },
      { itemId: "g0i1", weight: 1 },
      { itemId: "unknown", weight: 1 },
    ]);
    expect(twice).toEqual(once);
  });
});

describe("model encoding", () => {
  const { pairs } = planted(2, 10, 6, 0.7, 11);
  const model = trainMf(
    pairs.map((p) => ({ ...p, itemId: `${p.itemId}-é✓` })),
    { ...OPTIONS, dim: 12, keepUserFactors: true },
  );

  it("round-trips ids, factors, Gramian and hyper-parameters, without user factors", () => {
    const bytes = encodeMfModel(model);
    expect(bytes.length).toBeLessThan(model.itemIds.length * (model.dim * 4 + 20) + model.dim * model.dim * 8 + 100);
    const back = decodeMfModel(bytes);
    expect(back.itemIds).toEqual(model.itemIds);
    expect(back.itemFactors).toEqual(model.itemFactors);
    expect(back.itemGramian).toEqual(model.itemGramian);
    expect(back.hyper).toEqual(model.hyper);
    expect(back.dim).toBe(12);
    expect(back.trainedUsers).toBe(model.trainedUsers);
    expect(back.trainedPairs).toBe(model.trainedPairs);
    expect(back.itemIndex.get(model.itemIds[3]!)).toBe(3);
    expect(back.userFactors).toBeUndefined();
    // Folding in gives the same vector from the decoded model.
    const mine = pairs.filter((p) => p.userId === "g1u2").map((p) => ({ itemId: `${p.itemId}-é✓`, weight: 1 }));
    expect(foldInUser(back, mine)).toEqual(foldInUser(model, mine));
  });

  it("decodes from an unaligned slice of a larger buffer", () => {
    const bytes = encodeMfModel(model);
    const padded = new Uint8Array(bytes.length + 3);
    padded.set(bytes, 3);
    expect(decodeMfModel(padded.subarray(3)).itemFactors).toEqual(model.itemFactors);
  });

  it("rejects foreign, newer and truncated blobs", () => {
    const bytes = encodeMfModel(model);
    const foreign = bytes.slice();
    foreign[0] = 0x58;
    expect(() => decodeMfModel(foreign)).toThrow(/magic/);
    const newer = bytes.slice();
    new DataView(newer.buffer).setUint32(4, 2, true);
    expect(() => decodeMfModel(newer)).toThrow(/version 2/);
    expect(() => decodeMfModel(bytes.subarray(0, bytes.length - 1))).toThrow(/expected/);
    expect(() => decodeMfModel(bytes.subarray(0, 10))).toThrow(/header/);
  });
});

describe("MF preferences from interactions", () => {
  const A = item("movie-casablanca-1942");
  const B = item("movie-citizen-kane-1941");

  it("keeps the strongest positive per user and item, drops items whose latest verdict is a dislike", () => {
    const prefs = mfPreferences([
      interaction("u", A, "click"),
      interaction("u", A, "save"),
      interaction("u", A, "view"),
      interaction("u", B, "like", new Date(NOW.getTime() - 2 * DAY)),
      interaction("u", B, "dislike", new Date(NOW.getTime() - DAY)),
      interaction("v", B, "dislike", new Date(NOW.getTime() - 2 * DAY)),
      interaction("v", B, "share", new Date(NOW.getTime() - DAY)),
    ]);
    expect(prefs).toEqual([
      { userId: "u", itemId: A.id, weight: 1 },
      { userId: "v", itemId: B.id, weight: 0.6 },
    ]);
  });

  it("decays by age when given a clock", () => {
    const prefs = mfPreferences([interaction("u", A, "save", new Date(NOW.getTime() - 30 * DAY))], { now: NOW });
    expect(prefs[0]!.weight).toBeCloseTo(0.5, 6);
  });
});
