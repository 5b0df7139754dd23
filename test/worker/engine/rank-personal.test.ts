import { describe, expect, it } from "vitest";
import type { InteractionRecord } from "../../../server/domain/content/records.js";
import { BERLIN, DAY, LISBON, NOW, ids, interaction, item, rankFor } from "./fixtures.js";

const KIND_OF_BLUE = item("music-miles-davis-kind-of-blue");
const jazzCount = (list: string[]) => list.filter((id) => item(id).tags.includes("jazz")).length;

describe("personalisation", () => {
  it("gives two users with opposite tastes different lists, each true to its user", () => {
    const calm = rankFor({ kind: "music", profile: { interests: ["classical", "calm"] } });
    const party = rankFor({ kind: "music", profile: { interests: ["techno", "party"] } });
    expect(ids(calm).slice(0, 5).filter((id) => ids(party).slice(0, 5).includes(id))).toEqual([]);
    expect(item(ids(calm)[0]!).tags).toContain("classical");
    expect(item(ids(party)[0]!).tags).toContain("techno");

    const family = rankFor({ kind: "place", profile: { archetypes: ["family"], interests: ["park"] }, location: BERLIN });
    const clubber = rankFor({ kind: "place", profile: { archetypes: ["night-owl"], interests: ["techno"] }, location: BERLIN });
    const familyTop = item(ids(family)[0]!);
    const clubberTop = item(ids(clubber)[0]!);
    expect(familyTop.id).not.toBe(clubberTop.id);
    expect(familyTop.tags.some((t) => ["family", "park"].includes(t))).toBe(true);
    expect(clubberTop.tags.some((t) => ["techno", "nightlife", "clubbing"].includes(t))).toBe(true);
  });

  it("never returns a disliked item, even with the whole catalog asked for", () => {
    const base = rankFor({ kind: "place", profile: { interests: ["jazz"] }, location: LISBON, limit: 100 });
    const top = ids(base)[0]!;
    const after = rankFor({ kind: "place", profile: { interests: ["jazz"] }, location: LISBON, limit: 100, interactions: [interaction("u", item(top), "dislike")] });
    expect(ids(after)).not.toContain(top);
    expect(after.recommendations.length).toBe(base.recommendations.length - 1);

    const music = rankFor({ kind: "music", profile: { interests: ["jazz"] }, limit: 300, interactions: [interaction("u", KIND_OF_BLUE, "dislike")] });
    expect(ids(music)).not.toContain(KIND_OF_BLUE.id);
  });

  it("drops an ignored item below where it was", () => {
    const profile = { interests: ["fado", "live music"] };
    const before = ids(rankFor({ kind: "place", profile, location: LISBON, limit: 20 }));
    for (const target of before.slice(0, 3)) {
      const after = ids(rankFor({ kind: "place", profile, location: LISBON, limit: 20, interactions: [interaction("u", item(target), "ignore")] }));
      const was = before.indexOf(target);
      const now = after.indexOf(target);
      expect(now === -1 || now > was, `${target}: ${was} → ${now}`).toBe(true);
    }
  });

  it("raises items like a liked one, within its type and across types", () => {
    const liked = [interaction("u", KIND_OF_BLUE, "like")];
    const before = ids(rankFor({ kind: "music" }));
    const after = ids(rankFor({ kind: "music", interactions: liked }));
    expect(jazzCount(after)).toBeGreaterThan(jazzCount(before));
    expect(item(after[0]!).tags.filter((t) => KIND_OF_BLUE.tags.includes(t)).length).toBeGreaterThan(0);
    // The album itself is known now, so it is not suggested again.
    expect(after).not.toContain(KIND_OF_BLUE.id);

    // A jazz album liked once lifts the jazz club in Lisbon.
    const club = "place-lisbon-hot-clube-de-portugal";
    const placesBefore = ids(rankFor({ kind: "place", location: LISBON, limit: 20 }));
    const placesAfter = ids(rankFor({ kind: "place", location: LISBON, limit: 20, interactions: liked }));
    expect(placesAfter.indexOf(club)).toBeLessThan(placesBefore.indexOf(club));
    expect(placesAfter[0]).toBe(club);
  });

  it("lets a saved place come back (a reminder), unlike a saved film (already known)", () => {
    const club = item("place-lisbon-hot-clube-de-portugal");
    const places = rankFor({ kind: "place", location: LISBON, interactions: [interaction("u", club, "save")] });
    const shown = places.recommendations.find((r) => r.itemId === club.id)!;
    expect(shown.reasons[0]).toBe("you saved this");
    expect(shown.reasons).not.toContain(`similar to ${club.title}`);
    const film = item("movie-whiplash-2014");
    const films = ids(rankFor({ kind: "movie", profile: { interests: ["jazz"] }, limit: 50, interactions: [interaction("u", film, "save")] }));
    expect(films).not.toContain(film.id);
  });

  it("uses age and relationship status as nudges it never quotes back", () => {
    const result = rankFor({ kind: "place", profile: { relationshipStatus: "married", ageGroup: "65_and_over" }, location: LISBON });
    const top = item(ids(result)[0]!);
    expect(top.tags.some((t) => ["romantic", "family", "history", "classical"].includes(t))).toBe(true);
    for (const r of result.recommendations) expect(r.reasons.join(" ")).not.toMatch(/married|65|profile|romantic|family/);
  });

  it("learns more from recent behaviour than from old", () => {
    const techno = item("music-robert-hood-minimal-nation");
    const history = (jazzDaysAgo: number, technoDaysAgo: number): InteractionRecord[] => [
      interaction("u", KIND_OF_BLUE, "like", new Date(NOW.getTime() - jazzDaysAgo * DAY)),
      interaction("u", techno, "like", new Date(NOW.getTime() - technoDaysAgo * DAY)),
    ];
    const shared = (a: { tags: readonly string[] }, b: { tags: readonly string[] }) => a.tags.filter((t) => b.tags.includes(t)).length;
    const technoNow = rankFor({ kind: "music", interactions: history(120, 0) }).recommendations[0]!;
    const jazzNow = rankFor({ kind: "music", interactions: history(0, 120) }).recommendations[0]!;
    expect(shared(item(technoNow.itemId), techno)).toBeGreaterThan(shared(item(technoNow.itemId), KIND_OF_BLUE));
    expect(shared(item(jazzNow.itemId), KIND_OF_BLUE)).toBeGreaterThan(shared(item(jazzNow.itemId), techno));
    expect(jazzNow.reasons[0]).toBe(`similar to ${KIND_OF_BLUE.title}`);
  });
});
