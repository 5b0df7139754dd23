import { describe, expect, it } from "vitest";
import type { ContentItemRecord } from "../../../server/domain/content/records.js";
import { buildCatalogIndex } from "../../../worker/engine/catalog-index.js";
import { buildItemSimilarity } from "../../../worker/engine/item-similarity.js";
import { kmText } from "../../../worker/engine/reasons.js";
import { cityCentres } from "../../../worker/engine/synthetic-catalog.js";
import { DEFAULT_WEIGHTS } from "../../../worker/engine/weights.js";
import { CASCAIS, HOUR, LISBON, MID_ATLANTIC, NOW, haversineKm, ids, interaction, item, pointOf, rankFor, starter } from "./fixtures.js";

const CITIES = cityCentres(starter("place"));

describe("places and events: location", () => {
  it("gives a jazz lover in Lisbon jazz places and events near Lisbon first", () => {
    for (const kind of ["place", "event"] as const) {
      const result = rankFor({ kind, profile: { interests: ["jazz"] }, location: LISBON });
      const top = item(result.recommendations[0]!.itemId);
      expect(top.tags, `${kind} ${top.id}`).toContain("jazz");
      expect(top.metadata["city"]).toBe("Lisbon");
      expect(result.recommendations[0]!.reasons).toContain("matches your interest in jazz");
      for (const r of result.recommendations) expect(item(r.itemId).metadata["city"], r.itemId).toBe("Lisbon");
    }
  });

  it("returns only places and events within the reported radius, and never an ended event", () => {
    let endedNearby = 0;
    for (const city of CITIES) {
      for (const kind of ["place", "event"] as const) {
        const result = rankFor({ kind, profile: { interests: ["history", "live music"] }, location: city, limit: 50 });
        expect(result.radiusKm, `${kind} ${city.city}`).toBeDefined();
        expect(result.recommendations.length).toBeGreaterThan(0);
        for (const r of result.recommendations) {
          const found = item(r.itemId);
          const km = haversineKm(city, pointOf(found));
          expect(km, `${r.itemId} from ${city.city}`).toBeLessThanOrEqual(result.radiusKm! + 1e-6);
          expect(r.distanceKm).toBeCloseTo(km, 1);
          if (kind === "event") expect(found.endTime!.getTime(), r.itemId).toBeGreaterThan(NOW.getTime());
        }
        if (kind === "event") {
          endedNearby += starter("event").filter(
            (e) => e.endTime!.getTime() <= NOW.getTime() && haversineKm(city, pointOf(e)) <= result.radiusKm!,
          ).length;
        }
      }
    }
    // The filter was exercised: ended events lay inside the searched circles.
    expect(endedNearby).toBeGreaterThan(10);
  });

  it("keeps the starting radius when it holds enough, and says nothing about widening", () => {
    const result = rankFor({ kind: "place", profile: { interests: ["art"] }, location: LISBON });
    expect(result).toMatchObject({ radiusKm: DEFAULT_WEIGHTS.radius.place.startKm, widened: false });
    for (const r of result.recommendations) expect(r.reasons.join(" ")).not.toMatch(/widen|nearest matches/);
  });

  it("widens the radius step by step when too few places are near, and says how far the nearest are", () => {
    const distances = starter("place").map((p) => haversineKm(CASCAIS, pointOf(p)));
    const nearestKm = Math.min(...distances);
    expect(nearestKm).toBeGreaterThan(DEFAULT_WEIGHTS.radius.place.startKm * 2); // precondition
    // The first radius of 5, 10, 20, 40… holding ten places.
    let expected = DEFAULT_WEIGHTS.radius.place.startKm;
    while (distances.filter((d) => d <= expected).length < 10) expected *= 2;
    const result = rankFor({ kind: "place", profile: { interests: ["history"] }, location: CASCAIS });
    expect(result.widened).toBe(true);
    expect(result.radiusKm).toBe(expected);
    expect(result.recommendations.length).toBe(10);
    for (const r of result.recommendations) {
      expect(r.distanceKm!).toBeLessThanOrEqual(result.radiusKm!);
      expect(r.reasons).toContain(`nearest matches are ${kmText(nearestKm)} away`);
    }
  });

  it("when widening from a busy spot, explains only the items beyond the starting radius", () => {
    // Lisbon has fewer than ten live events within 5 km of the centre (precondition below).
    const start = DEFAULT_WEIGHTS.radius.event.startKm;
    const result = rankFor({ kind: "event", location: LISBON });
    expect(result).toMatchObject({ widened: true, radiusKm: start * 2 });
    const far = result.recommendations.filter((r) => r.distanceKm! > start);
    const near = result.recommendations.filter((r) => r.distanceKm! <= start);
    expect(far.length).toBeGreaterThan(0);
    expect(near.length).toBeGreaterThan(0);
    const said = `few matches within ${kmText(start)}, so the search widened to ${kmText(result.radiusKm!)}`;
    for (const r of far) expect(r.reasons).toContain(said);
    for (const r of near) expect(r.reasons).not.toContain(said);
  });

  it("keeps far items out even when other people's likes point at them", () => {
    // Crowds in Tokyo and Lisbon: the Tokyo club is a strong neighbour and the most engaged place.
    const club = item("place-tokyo-blue-note-tokyo");
    const lisbonBar = item("place-lisbon-hot-clube-de-portugal");
    const crowd = [0, 1, 2, 3, 4].flatMap((u) => [interaction(`t${u}`, club, "save"), interaction(`t${u}`, lisbonBar, "like")]);
    const similarity = buildItemSimilarity(crowd, { topK: 10, now: NOW });
    const result = rankFor({ kind: "place", location: LISBON, similarity, interactions: [interaction("me", lisbonBar, "like")], limit: 50 });
    expect(ids(result)).not.toContain(club.id);
    for (const r of result.recommendations) expect(r.distanceKm!).toBeLessThanOrEqual(result.radiusKm!);
  });

  it("returns an empty list, not a far one, beyond the maximum radius", () => {
    const result = rankFor({ kind: "place", location: MID_ATLANTIC });
    expect(result).toEqual({ recommendations: [], radiusKm: DEFAULT_WEIGHTS.radius.place.maxKm, widened: true, candidates: 0 });
  });

  it("falls back to the profile's location, and without any location ranks without distances", () => {
    const fromProfile = rankFor({ kind: "place", profile: { interests: ["jazz"], location: LISBON } });
    expect(fromProfile.radiusKm).toBe(DEFAULT_WEIGHTS.radius.place.startKm);
    expect(fromProfile.recommendations[0]!.itemId).toBe("place-lisbon-hot-clube-de-portugal");

    const nowhere = rankFor({ kind: "place", profile: { interests: ["jazz"] } });
    expect(nowhere.radiusKm).toBeUndefined();
    expect(nowhere.recommendations).toHaveLength(10);
    for (const r of nowhere.recommendations) expect(r.distanceKm).toBeUndefined();
    expect(item(nowhere.recommendations[0]!.itemId).tags).toContain("jazz");
  });

  it("states distances in kilometres", () => {
    const result = rankFor({ kind: "place", profile: { interests: ["jazz"] }, location: LISBON });
    const hot = result.recommendations.find((r) => r.itemId === "place-lisbon-hot-clube-de-portugal")!;
    expect(hot.reasons).toContain(`${hot.distanceKm!.toFixed(1)} km away`);
  });
});

describe("events: time", () => {
  function event(id: string, startsInHours: number, durationHours: number | null): ContentItemRecord {
    const start = new Date(NOW.getTime() + startsInHours * HOUR);
    return {
      id,
      contentType: "event",
      externalId: id,
      title: "Jazz on the river",
      description: "A jazz concert.",
      tags: ["jazz", "live music"],
      metadata: {},
      latitude: LISBON.latitude,
      longitude: LISBON.longitude,
      startTime: start,
      endTime: durationHours === null ? null : new Date(start.getTime() + durationHours * HOUR),
      popularity: 0,
      createdAt: NOW,
      updatedAt: NOW,
    };
  }

  it("ranks the sooner of two identical events higher and says when each starts", () => {
    const index = buildCatalogIndex("event", [event("later", 20 * 24, 3), event("soon", 3, 3), event("running", -1, 4)]);
    const result = rankFor({ kind: "event", index, profile: { interests: ["jazz"] }, location: LISBON });
    expect(ids(result)).toEqual(["running", "soon", "later"]);
    expect(result.recommendations[0]!.reasons).toContain("on now");
    expect(result.recommendations[1]!.reasons).toContain("starts in 3 hours");
    expect(result.recommendations[2]!.reasons).toContain("starts in 20 days");
  });

  it("drops events that have ended, including those without an end time once their assumed length is over", () => {
    const assumed = DEFAULT_WEIGHTS.assumedEventHours;
    const index = buildCatalogIndex("event", [
      event("ended", -5, 2),
      event("open-ended-over", -(assumed + 1), null),
      event("open-ended-on", -(assumed - 1), null),
      event("ends-right-now", -2, 2),
    ]);
    const result = rankFor({ kind: "event", index, location: LISBON });
    expect(ids(result)).toEqual(["open-ended-on"]);
  });

  it("says the Gulbenkian concert in the real catalog starts in 2 hours", () => {
    const result = rankFor({ kind: "event", profile: { interests: ["classical"] }, location: LISBON });
    const concert = result.recommendations.find((r) => r.itemId === "event-lisbon-gulbenkian-orchestra-brahms")!;
    expect(concert.rankingPosition).toBe(1);
    expect(concert.reasons).toContain("starts in 2 hours");
  });
});
