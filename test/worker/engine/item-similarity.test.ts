import { describe, expect, it } from "vitest";
import type { ContentItemRecord, InteractionRecord } from "../../../server/domain/content/records.js";
import { buildItemSimilarity, collaborativeScores, neighboursOf } from "../../../worker/engine/item-similarity.js";
import { DAY, LISBON, NOW, ids, interaction, item, rankFor } from "./fixtures.js";

const KIND_OF_BLUE = item("music-miles-davis-kind-of-blue");
const HOMOGENIC = item("music-bjork-homogenic");
const TIME_OUT = item("place-lisbon-time-out-market-lisboa");

function fake(id: string): ContentItemRecord {
  return { ...KIND_OF_BLUE, id, externalId: id, title: id };
}
const [A, B, C, D] = ["A", "B", "C", "D"].map(fake) as [ContentItemRecord, ContentItemRecord, ContentItemRecord, ContentItemRecord];

/** Users u0..u(n-1), each liking every item given. */
function fans(prefix: string, n: number, liked: readonly ContentItemRecord[], kind: "like" | "save" = "like"): InteractionRecord[] {
  return Array.from({ length: n }, (_, u) => liked.map((i) => interaction(`${prefix}${u}`, i, kind))).flat();
}

describe("item similarity", () => {
  it("ranks items by how many people liked both, symmetrically, keeping topK", () => {
    const sim = buildItemSimilarity([...fans("ab", 4, [A, B]), ...fans("ac", 2, [A, C]), ...fans("ad", 2, [A, D])], { topK: 2 });
    const ofA = neighboursOf(sim, "A");
    expect(ofA.map((n) => n.itemId)).toEqual(["B", "C"]); // D ties C and loses on order; topK cuts it
    expect(ofA[0]!.similarity).toBeGreaterThan(ofA[1]!.similarity);
    const ab = ofA[0]!.similarity;
    expect(neighboursOf(sim, "B").find((n) => n.itemId === "A")!.similarity).toBeCloseTo(ab, 6);
    expect(ab).toBeGreaterThan(0);
    expect(ab).toBeLessThanOrEqual(1);
  });

  it("ignores pairs liked together by a single person", () => {
    const sim = buildItemSimilarity([...fans("ab", 2, [A, B]), ...fans("ac", 1, [A, C])], { topK: 10 });
    expect(neighboursOf(sim, "A").map((n) => n.itemId)).toEqual(["B"]);
    expect(neighboursOf(buildItemSimilarity(fans("ac", 1, [A, C]), { topK: 10, minSupport: 1 }), "A")).toHaveLength(1);
  });

  it("does not count dislikes, views or ignores as liking", () => {
    const sim = buildItemSimilarity(
      [
        ...fans("x", 3, [A]),
        ...[0, 1, 2].flatMap((u) => [interaction(`x${u}`, B, "dislike"), interaction(`x${u}`, C, "view"), interaction(`x${u}`, D, "ignore")]),
      ],
      { topK: 10 },
    );
    expect(neighboursOf(sim, "A")).toEqual([]);
  });

  it("forgets a like the user took back with a later dislike", () => {
    const earlier = new Date(NOW.getTime() - DAY);
    const sim = buildItemSimilarity(
      [0, 1, 2].flatMap((u) => [interaction(`y${u}`, A, "like"), interaction(`y${u}`, B, "like", earlier), interaction(`y${u}`, B, "dislike")]),
      { topK: 10 },
    );
    expect(neighboursOf(sim, "A")).toEqual([]);
  });

  it("measures engagement, fresh interactions more than old ones when given now", () => {
    const old = new Date(NOW.getTime() - 120 * DAY);
    const interactions = [
      ...[0, 1, 2].map((u) => interaction(`o${u}`, A, "like", old)),
      ...[0, 1].map((u) => interaction(`f${u}`, B, "like")),
    ];
    const undated = buildItemSimilarity(interactions, { topK: 5 });
    const dated = buildItemSimilarity(interactions, { topK: 5, now: NOW });
    const order = (s: typeof dated) => Array.from(s.mostEngaged.music, (k) => s.itemIds[k]);
    expect(order(undated)).toEqual(["A", "B"]);
    expect(order(dated)).toEqual(["B", "A"]);
  });

  it("scores a user's candidates from the neighbours of their positive items, naming the strongest seed", () => {
    const sim = buildItemSimilarity([...fans("ab", 3, [A, B]), ...fans("cb", 2, [C, B]), ...fans("cd", 3, [C, D])], { topK: 10 });
    const scores = collaborativeScores(sim, [{ itemId: "A", title: "Alpha", weight: 1, kind: "like" }, { itemId: "C", title: "Gamma", weight: 1, kind: "like" }], 10);
    expect(scores.get("B")!.because).toBe("Alpha");
    expect(scores.get("D")!.because).toBe("Gamma");
    expect(scores.has("A")).toBe(false); // seeds are known to the user already
  });
});

describe("collaborative filtering in the ranking", () => {
  const crowd = [...fans("jazz-and-bjork", 5, [KIND_OF_BLUE, HOMOGENIC]), ...fans("jazz-and-market", 4, [KIND_OF_BLUE, TIME_OUT], "save")];
  const similarity = buildItemSimilarity(crowd, { topK: 20, now: NOW });
  const newcomer = [interaction("new", KIND_OF_BLUE, "like")];

  it("shows someone who liked Kind of Blue what its fans also liked, saying so", () => {
    // Homogenic shares no tag with Kind of Blue: only the crowd can bring it up.
    expect(HOMOGENIC.tags.filter((t) => KIND_OF_BLUE.tags.includes(t))).toEqual([]);
    expect(ids(rankFor({ kind: "music", interactions: newcomer, limit: 20 }))).not.toContain(HOMOGENIC.id);

    const result = rankFor({ kind: "music", interactions: newcomer, similarity });
    const hit = result.recommendations.find((r) => r.itemId === HOMOGENIC.id);
    expect(hit, JSON.stringify(ids(result))).toBeDefined();
    expect(hit!.rankingPosition).toBeLessThanOrEqual(3);
    expect(hit!.reasons).toContain(`people who liked ${KIND_OF_BLUE.title} liked this`);
  });

  it("carries over across content types: Kind of Blue's fans' market reaches a newcomer in Lisbon", () => {
    const result = rankFor({ kind: "place", interactions: newcomer, similarity, location: LISBON });
    const hit = result.recommendations.find((r) => r.itemId === TIME_OUT.id);
    expect(hit).toBeDefined();
    expect(hit!.reasons).toContain(`people who liked ${KIND_OF_BLUE.title} liked this`);
  });

  it("lifts what many people engage with in a cold-start list, as popular", () => {
    const result = rankFor({ kind: "music", similarity });
    expect(result.recommendations[0]!.itemId).toBe(KIND_OF_BLUE.id);
    expect(result.recommendations[0]!.reasons).toContain("popular right now");
  });
});
