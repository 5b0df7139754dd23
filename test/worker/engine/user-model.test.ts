import { describe, expect, it } from "vitest";
import { buildUserModel } from "../../../worker/engine/user-model.js";
import { DEFAULT_WEIGHTS } from "../../../worker/engine/weights.js";
import { DAY, NOW, interaction, item, modelFor } from "./fixtures.js";

const KIND_OF_BLUE = item("music-miles-davis-kind-of-blue");
const HOT_CLUBE = item("place-lisbon-hot-clube-de-portugal");

describe("user model: terms", () => {
  it("maps archetypes to catalog tags, and says which archetype a tag came from", () => {
    const m = modelFor({ kind: "place", profile: { archetypes: ["foodie", "night-owl"] } });
    expect(m.terms.get("tag:street food")).toMatchObject({ source: "archetype", label: "foodie" });
    expect(m.terms.get("tag:late-night")).toMatchObject({ source: "archetype", label: "night-owl" });
    expect(m.coldStart).toBe(false);
  });

  it("turns an interest into its tag and its words, the words weighing less", () => {
    const m = modelFor({ kind: "place", profile: { interests: ["street food"] } });
    const tag = m.terms.get("tag:street food")!;
    const word = m.terms.get("word:food")!;
    expect(tag).toMatchObject({ source: "interest", label: "street food" });
    expect(word.label).toBe("street food");
    expect(word.weight).toBeLessThan(tag.weight);
  });

  it("lets a stated interest outweigh an age-group nudge on the same tag", () => {
    const m = modelFor({ kind: "event", profile: { interests: ["classical"], ageGroup: "65_and_over" } });
    expect(m.terms.get("tag:classical")?.source).toBe("interest");
    expect(m.terms.get("tag:history")?.source).toBe("demographic");
    expect(m.terms.get("tag:history")!.weight).toBeLessThan(m.terms.get("tag:classical")!.weight);
  });

  it("adds the current and past cities for music and films, but not for places", () => {
    const profile = {
      locationName: "Lisbon, Portugal",
      travelHistory: [{ locationName: "Tokyo, Japan", visitTime: new Date(NOW.getTime() - 30 * DAY) }],
    };
    const music = modelFor({ kind: "music", profile });
    expect(music.terms.get("tag:lisbon")?.source).toBe("current-city");
    expect(music.terms.get("tag:tokyo")?.source).toBe("travel");
    expect(modelFor({ kind: "place", profile }).terms.has("tag:lisbon")).toBe(false);
  });

  it("names an unnamed trip with the injected geocoder", () => {
    const m = buildUserModel({
      contentType: "movie",
      profile: { travelHistory: [{ location: { latitude: 35.68, longitude: 139.77 } }] },
      interactions: [],
      items: [],
      now: NOW,
      cityOf: () => "Tokyo",
    });
    expect(m.terms.get("tag:tokyo")?.source).toBe("travel");
  });

  it("learns the tags of liked items, fresh likes more than old ones", () => {
    const fresh = modelFor({ kind: "music", interactions: [interaction("u", KIND_OF_BLUE, "like")] });
    const old = modelFor({ kind: "music", interactions: [interaction("u", KIND_OF_BLUE, "like", new Date(NOW.getTime() - 90 * DAY))] });
    const jazz = (m: typeof fresh) => m.terms.get("tag:jazz")!.weight;
    expect(fresh.terms.get("tag:jazz")?.source).toBe("history");
    expect(jazz(old)).toBeGreaterThan(0);
    // Three half-lives of 30 days: an eighth.
    expect(jazz(old) / jazz(fresh)).toBeCloseTo(1 / 8, 3);
  });

  it("orders interaction kinds SAVE > LIKE > SHARE > CLICK > 0 > VIEW > IGNORE > DISLIKE", () => {
    const w = DEFAULT_WEIGHTS.interactions;
    expect(w.save).toBeGreaterThan(w.like);
    expect(w.like).toBeGreaterThan(w.share);
    expect(w.share).toBeGreaterThan(w.click);
    expect(w.click).toBeGreaterThan(0);
    expect(w.view).toBeLessThan(0);
    expect(w.view).toBeGreaterThan(w.ignore);
    expect(w.ignore).toBeGreaterThan(w.dislike);
    const jazz = (kind: "save" | "like" | "share" | "click" | "view") =>
      modelFor({ kind: "music", interactions: [interaction("u", KIND_OF_BLUE, kind)] }).terms.get("tag:jazz")?.weight ?? 0;
    expect(jazz("save")).toBeGreaterThan(jazz("like"));
    expect(jazz("click")).toBeGreaterThan(0);
    expect(jazz("view")).toBeLessThan(0);
  });

  it("transfers taste across content types at a discount", () => {
    const sameType = modelFor({ kind: "music", interactions: [interaction("u", KIND_OF_BLUE, "like")] });
    const otherType = modelFor({ kind: "place", interactions: [interaction("u", KIND_OF_BLUE, "like")] });
    const ratio = otherType.terms.get("tag:jazz")!.weight / sameType.terms.get("tag:jazz")!.weight;
    expect(ratio).toBeCloseTo(DEFAULT_WEIGHTS.crossTypeTransfer, 6);
  });

  it("is a cold start with an empty profile and no interactions", () => {
    const m = modelFor({ kind: "music" });
    expect(m.coldStart).toBe(true);
    expect(m.terms.size).toBe(0);
  });
});

describe("user model: exclusions and push-downs", () => {
  it("excludes disliked items of every type", () => {
    const m = modelFor({
      kind: "place",
      interactions: [interaction("u", HOT_CLUBE, "dislike"), interaction("u", KIND_OF_BLUE, "dislike")],
    });
    expect(m.excluded).toEqual(new Set([HOT_CLUBE.id, KIND_OF_BLUE.id]));
    expect(m.positives).toEqual([]);
  });

  it("excludes liked music and films (already known) but keeps liked places and events", () => {
    const m = modelFor({
      kind: "music",
      interactions: [interaction("u", KIND_OF_BLUE, "like"), interaction("u", HOT_CLUBE, "save")],
    });
    expect(m.excluded.has(KIND_OF_BLUE.id)).toBe(true);
    expect(m.excluded.has(HOT_CLUBE.id)).toBe(false);
    expect(m.positives.map((p) => p.itemId)).toEqual([HOT_CLUBE.id, KIND_OF_BLUE.id]);
  });

  it("lets a later like override an earlier dislike, and a later dislike win over an earlier like", () => {
    const earlier = new Date(NOW.getTime() - DAY);
    const changedToLike = modelFor({
      kind: "place",
      interactions: [interaction("u", HOT_CLUBE, "dislike", earlier), interaction("u", HOT_CLUBE, "like")],
    });
    expect(changedToLike.excluded.has(HOT_CLUBE.id)).toBe(false);
    const changedToDislike = modelFor({
      kind: "place",
      interactions: [interaction("u", HOT_CLUBE, "like", earlier), interaction("u", HOT_CLUBE, "dislike")],
    });
    expect(changedToDislike.excluded.has(HOT_CLUBE.id)).toBe(true);
    expect(changedToDislike.positives).toEqual([]);
  });

  it("pushes ignored items down, about halving a fresh one, less as the ignore ages", () => {
    const fresh = modelFor({ kind: "place", interactions: [interaction("u", HOT_CLUBE, "ignore")] });
    const old = modelFor({ kind: "place", interactions: [interaction("u", HOT_CLUBE, "ignore", new Date(NOW.getTime() - 60 * DAY))] });
    expect(fresh.pushDown.get(HOT_CLUBE.id)).toBeCloseTo(Math.exp(DEFAULT_WEIGHTS.interactions.ignore), 6);
    expect(old.pushDown.get(HOT_CLUBE.id)!).toBeGreaterThan(fresh.pushDown.get(HOT_CLUBE.id)!);
    expect(old.pushDown.get(HOT_CLUBE.id)!).toBeLessThan(1);
    expect(fresh.excluded.has(HOT_CLUBE.id)).toBe(false);
  });

  it("forgets an ignore the user contradicted later, and never holds views against a clicked item", () => {
    const m = modelFor({
      kind: "place",
      interactions: [
        interaction("u", HOT_CLUBE, "view", new Date(NOW.getTime() - 2 * DAY)),
        interaction("u", HOT_CLUBE, "ignore", new Date(NOW.getTime() - DAY)),
        interaction("u", HOT_CLUBE, "click"),
      ],
    });
    expect(m.pushDown.has(HOT_CLUBE.id)).toBe(false);
    expect(m.terms.get("tag:jazz")!.weight).toBeGreaterThan(0);
  });

  it("holds unclicked views slightly against an item", () => {
    const m = modelFor({ kind: "place", interactions: [interaction("u", HOT_CLUBE, "view")] });
    const factor = m.pushDown.get(HOT_CLUBE.id)!;
    expect(factor).toBeLessThan(1);
    expect(factor).toBeGreaterThan(0.9);
  });
});
