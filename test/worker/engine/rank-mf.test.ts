import { describe, expect, it } from "vitest";
import { buildCatalogIndex } from "../../../worker/engine/catalog-index.js";
import { foldInUser } from "../../../worker/engine/mf/fold-in.js";
import { mfPreferences, trainMf } from "../../../worker/engine/mf/ials.js";
import { rank } from "../../../worker/engine/rank.js";
import { seededRandom } from "../../../worker/engine/synthetic-catalog.js";
import { DEFAULT_WEIGHTS } from "../../../worker/engine/weights.js";
import { NOW, ids, interaction, item, modelFor, starter, starterIndex } from "./fixtures.js";

const TOTORO = item("movie-my-neighbor-totoro-1988");
const OLDBOY = item("movie-oldboy-2003");

/**
 * Twenty people like Totoro and Oldboy together (an unlikely pair by tags), each with two random
 * films besides; forty more like four random films each.
 */
function history() {
  const random = seededRandom(21);
  const movies = starter("movie").filter((m) => m.id !== TOTORO.id && m.id !== OLDBOY.id);
  const pick = () => movies[Math.floor(random() * movies.length)]!;
  const out = [];
  for (let u = 0; u < 20; u++) out.push(...[TOTORO, OLDBOY, pick(), pick()].map((m) => interaction(`fan${u}`, m, "like")));
  for (let u = 0; u < 40; u++) out.push(...[pick(), pick(), pick(), pick()].map((m) => interaction(`other${u}`, m, "like")));
  return out;
}

const model = trainMf(mfPreferences(history()), { dim: 8, epochs: 10, regularization: 0.02, unobservedWeight: 0.05, cgSteps: 3, seed: 2 });
const index = starterIndex("movie");
const likesTotoro = modelFor({ kind: "movie", interactions: [interaction("new", TOTORO, "like")] });

describe("rank with matrix factorisation", () => {
  it("lifts what people with the same history liked, which tags alone do not find", () => {
    const without = ids(rank({ contentType: "movie", index, user: likesTotoro, now: NOW, limit: 10 }));
    const withMf = ids(rank({ contentType: "movie", index, user: likesTotoro, now: NOW, limit: 10, mf: { model } }));
    expect(without.slice(0, 5)).not.toContain(OLDBOY.id);
    expect(withMf[0]).toBe(OLDBOY.id);
    expect(withMf).not.toContain(TOTORO.id); // liked films stay excluded
  });

  it("uses the vector it is given, folding one in from the user's positives otherwise", () => {
    const folded = foldInUser(model, likesTotoro.positives);
    const given = rank({ contentType: "movie", index, user: likesTotoro, now: NOW, limit: 10, mf: { model, userVector: folded } });
    const implicit = rank({ contentType: "movie", index, user: likesTotoro, now: NOW, limit: 10, mf: { model } });
    expect(given).toEqual(implicit);
    // Another vector, another list: the vector is what ranks.
    const opposite = rank({ contentType: "movie", index, user: likesTotoro, now: NOW, limit: 10, mf: { model, userVector: folded.map((v) => -v) } });
    expect(ids(opposite)[0]).not.toBe(OLDBOY.id);
    expect(() => rank({ contentType: "movie", index, user: likesTotoro, now: NOW, mf: { model, userVector: new Float32Array(4) } })).toThrow(
      /4 dimensions/,
    );
  });

  it("leaves nothing of a ranking that failed in the next one on the same index", () => {
    // rank keeps per-index scratch space: another user's failed call must not leak their terms.
    // A fresh index, so no earlier test's call has touched it.
    const own = buildCatalogIndex("movie", starter("movie"));
    const stranger = modelFor({ kind: "movie", interactions: [interaction("other", OLDBOY, "like")] });
    const before = rank({ contentType: "movie", index: own, user: stranger, now: NOW, limit: 10 });
    const failing = { contentType: "movie" as const, index: own, user: likesTotoro, now: NOW, mf: { model, userVector: new Float32Array(4) } };
    expect(() => rank(failing)).toThrow();
    expect(rank({ contentType: "movie", index: own, user: stranger, now: NOW, limit: 10 })).toEqual(before);
  });

  it("ranks exactly as without a model when the model knows nothing of the user", () => {
    const stranger = modelFor({ kind: "movie", profile: { interests: ["jazz", "paris"] } });
    const plain = rank({ contentType: "movie", index, user: stranger, now: NOW, limit: 20 });
    expect(rank({ contentType: "movie", index, user: stranger, now: NOW, limit: 20, mf: { model } })).toEqual(plain);
    // The same holds for located types, whose mixes give MF a share too.
    const places = modelFor({ kind: "place", profile: { interests: ["fado"] } });
    const placeIndex = starterIndex("place");
    const plainPlaces = rank({ contentType: "place", index: placeIndex, user: places, now: NOW, limit: 10 });
    expect(rank({ contentType: "place", index: placeIndex, user: places, now: NOW, limit: 10, mf: { model } })).toEqual(plainPlaces);
  });

  it("ranks exactly the given candidates, minus excluded ones, whatever the limit", () => {
    const given = [OLDBOY.id, TOTORO.id, "movie-casablanca-1942", "movie-amelie-2001", "not-in-the-catalog"];
    const result = rank({
      contentType: "movie",
      index,
      user: likesTotoro,
      now: NOW,
      limit: 100,
      mf: { model },
      candidateIds: given,
      weights: { ...DEFAULT_WEIGHTS, mmrLambda: 1 },
    });
    expect(result.candidates).toBe(3);
    expect(ids(result)).toHaveLength(3);
    expect(ids(result)[0]).toBe(OLDBOY.id);
    expect([...ids(result)].sort()).toEqual(["movie-amelie-2001", "movie-casablanca-1942", OLDBOY.id].sort());
  });

  it("ranks the whole catalog when asked, in relevance order with diversity off", () => {
    const all = index.items.map((i) => i.id);
    const pure = { ...DEFAULT_WEIGHTS, mmrLambda: 1 };
    const result = rank({ contentType: "movie", index, user: likesTotoro, now: NOW, limit: all.length, mf: { model }, candidateIds: all, weights: pure });
    expect(result.recommendations).toHaveLength(all.length - 1);
    const scores = result.recommendations.map((r) => r.relevanceScore);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });
});
