import { describe, expect, it } from "vitest";
import { DEFAULT_GEOHASH_PRECISION, encodeGeohash, isGeohash } from "../../../../server/domain/geo/geohash.js";

describe("encodeGeohash", () => {
  it("matches the published reference hashes", () => {
    // geohash.org's example point and Wikipedia's worked example.
    expect(encodeGeohash(57.64911, 10.40744, 11)).toBe("u4pruydqqvj");
    expect(encodeGeohash(42.6, -5.6, 5)).toBe("ezs42");
  });

  it("agrees with Redis GEOHASH on every continent", () => {
    // Redis stores 52-bit scores, so only its first 10 characters are exact.
    const points: [number, number, string][] = [
      [48.8584, 2.2945, "u09tunquc9"], // Eiffel Tower
      [40.758, -73.9855, "dr5ru7v2sc"], // Times Square
      [-33.8568, 151.2153, "r3gx2ux9gg"], // Sydney Opera House
      [35.6812, 139.7671, "xn76urx613"], // Tokyo Station
      [-22.9068, -43.1729, "75cm9tfqnw"], // Rio de Janeiro
    ];
    for (const [lat, lon, hash] of points) expect(encodeGeohash(lat, lon, 10), `${lat},${lon}`).toBe(hash);
  });

  it("uses precision 5 by default, and a shorter hash is a prefix of a longer one", () => {
    expect(DEFAULT_GEOHASH_PRECISION).toBe(5);
    expect(encodeGeohash(57.64911, 10.40744)).toBe("u4pru");
    for (let p = 1; p <= 12; p++) expect(encodeGeohash(-33.8568, 151.2153, 12).startsWith(encodeGeohash(-33.8568, 151.2153, p))).toBe(true);
  });

  it("puts points a few hundred metres apart in one default cell and points in another city in another", () => {
    // Both ends of Copenhagen's Strøget, ~1 km apart, well inside one cell.
    expect(encodeGeohash(55.6786, 12.5695)).toBe(encodeGeohash(55.6761, 12.5783));
    expect(encodeGeohash(55.6786, 12.5695)).not.toBe(encodeGeohash(55.4038, 10.4024)); // Odense
  });

  it("encodes the corners of the world, boundaries belonging to the upper cell", () => {
    expect(encodeGeohash(0, 0)).toBe("s0000");
    expect(encodeGeohash(-90, -180)).toBe("00000");
    expect(encodeGeohash(90, 180)).toBe("zzzzz");
    expect(encodeGeohash(-0.000001, -0.000001)).toBe("7zzzz");
  });

  it("rejects coordinates out of range and impossible precisions", () => {
    for (const [lat, lon] of [
      [90.1, 0],
      [-91, 0],
      [0, 180.5],
      [Number.NaN, 0],
      [0, Number.POSITIVE_INFINITY],
    ] as const) {
      expect(() => encodeGeohash(lat, lon)).toThrow(RangeError);
    }
    for (const p of [0, 13, 2.5]) expect(() => encodeGeohash(0, 0, p)).toThrow(RangeError);
  });
});

describe("isGeohash", () => {
  it("accepts what encode produces and rejects letters outside the alphabet, upper case and empty strings", () => {
    expect(isGeohash(encodeGeohash(12.3, 45.6, 12))).toBe(true);
    for (const bad of ["", "u4pa", "U4PRU", "u4pru:x", "0123456789bcd"]) expect(isGeohash(bad), bad).toBe(false);
  });
});
