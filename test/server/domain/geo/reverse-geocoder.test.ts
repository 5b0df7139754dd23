import { describe, expect, it } from "vitest";
import {
  gazetteerGeocoder,
  gazetteerLoadCount,
  gazetteerLoadStats,
} from "../../../../server/domain/geo/reverse-geocoder.js";

describe("gazetteerGeocoder", () => {
  const geocoder = gazetteerGeocoder();

  it("does not load the gazetteer at import or construction", () => {
    expect(gazetteerLoadCount()).toBe(0);
    expect(gazetteerLoadStats()).toBeUndefined();
  });

  it("names Paris for the Eiffel Tower rather than a nearer suburb", () => {
    const place = geocoder.nearest(48.8584, 2.2945);
    const stats = gazetteerLoadStats();
    console.log(
      `gazetteer load: ${stats?.cities} cities in ${stats?.loadMs.toFixed(0)} ms, heap +${((stats?.heapDeltaBytes ?? 0) / 2 ** 20).toFixed(1)} MiB before GC`,
    );
    expect(place).toMatchObject({ name: "Paris, France", city: "Paris", country: "France", countryCode: "FR" });
    expect(place!.distanceKm).toBeGreaterThan(3);
    expect(place!.distanceKm).toBeLessThan(5);
  });

  it("names Tokyo for Tokyo Tower", () => {
    expect(geocoder.nearest(35.6586, 139.7454)).toMatchObject({ name: "Tokyo, Japan", countryCode: "JP" });
  });

  it("names Lisbon, Portugal", () => {
    const place = geocoder.nearest(38.7223, -9.1393);
    expect(place?.name).toBe("Lisbon, Portugal");
    expect(place!.distanceKm).toBeLessThan(2);
  });

  it("names New York City for Times Square", () => {
    const place = geocoder.nearest(40.758, -73.9855);
    expect(place?.name).toContain("United States");
    expect(place?.name).toBe("New York City, United States");
  });

  it("gives the nearest city and its distance for a point in the open ocean", () => {
    const place = geocoder.nearest(0, -140);
    expect(place).toBeDefined();
    expect(place!.distanceKm).toBeGreaterThan(500);
    // The Marquesas are the nearest land with towns.
    expect(place!.countryCode).toBe("PF");
  });

  it("handles the antimeridian and wraps longitudes", () => {
    expect(geocoder.nearest(-18.1416, 178.4419)?.name).toBe("Suva, Fiji");
    expect(geocoder.nearest(-18.1416, 178.4419 - 360)?.name).toBe("Suva, Fiji");
  });

  it("returns undefined for invalid input", () => {
    expect(geocoder.nearest(Number.NaN, 2.2945)).toBeUndefined();
    expect(geocoder.nearest(48.8584, Number.NaN)).toBeUndefined();
    expect(geocoder.nearest(Number.POSITIVE_INFINITY, 0)).toBeUndefined();
    expect(geocoder.nearest(91, 0)).toBeUndefined();
  });

  it("loads the gazetteer only once, across calls and geocoder instances", () => {
    const other = gazetteerGeocoder();
    for (let i = 0; i < 1000; i++) other.nearest(-60 + (i % 120), -180 + ((i * 7) % 360));
    expect(gazetteerLoadCount()).toBe(1);
  });
});
