/** The geohash alphabet: base32 without a, i, l and o. */
export const GEOHASH_ALPHABET = "0123456789bcdefghjkmnpqrstuvwxyz";

/**
 * The cell size that separates "the same area" from "the traveller moved": precision 5 cells are
 * about 4.9 km × 4.9 km at the equator (narrower east-west towards the poles), so walking across a
 * district keeps the cached place and event lists, while a new city gets fresh ones.
 */
export const DEFAULT_GEOHASH_PRECISION = 5;

/** Geohashes longer than 12 characters describe sub-centimetre cells: nobody needs them. */
export const MAX_GEOHASH_PRECISION = 12;

const VALID = new RegExp(`^[${GEOHASH_ALPHABET}]{1,${MAX_GEOHASH_PRECISION}}$`);

/**
 * The standard geohash of a point: bits alternate longitude and latitude, longitude first, each
 * halving its interval, and every five bits make one character. Points on a boundary belong to the
 * upper cell, so 90° latitude and 180° longitude stay encodable.
 */
export function encodeGeohash(latitude: number, longitude: number, precision = DEFAULT_GEOHASH_PRECISION): string {
  if (!Number.isFinite(latitude) || latitude < -90 || latitude > 90) throw new RangeError(`latitude out of range: ${latitude}`);
  if (!Number.isFinite(longitude) || longitude < -180 || longitude > 180) throw new RangeError(`longitude out of range: ${longitude}`);
  if (!Number.isInteger(precision) || precision < 1 || precision > MAX_GEOHASH_PRECISION) {
    throw new RangeError(`precision must be an integer from 1 to ${MAX_GEOHASH_PRECISION}: ${precision}`);
  }
  let latLo = -90;
  let latHi = 90;
  let lonLo = -180;
  let lonHi = 180;
  let hash = "";
  let bits = 0;
  let value = 0;
  let lonBit = true;
  while (hash.length < precision) {
    if (lonBit) {
      const mid = (lonLo + lonHi) / 2;
      if (longitude >= mid) {
        value = value * 2 + 1;
        lonLo = mid;
      } else {
        value *= 2;
        lonHi = mid;
      }
    } else {
      const mid = (latLo + latHi) / 2;
      if (latitude >= mid) {
        value = value * 2 + 1;
        latLo = mid;
      } else {
        value *= 2;
        latHi = mid;
      }
    }
    lonBit = !lonBit;
    if (++bits === 5) {
      hash += GEOHASH_ALPHABET[value];
      bits = 0;
      value = 0;
    }
  }
  return hash;
}

/** Whether `hash` is a geohash this module could have produced (lower case, 1–12 characters). */
export function isGeohash(hash: string): boolean {
  return VALID.test(hash);
}

/** The centre of a geohash cell (where a list made for the cell is regenerated). */
export function geohashCentre(hash: string): { latitude: number; longitude: number } {
  if (!isGeohash(hash)) throw new RangeError(`invalid geohash: ${JSON.stringify(hash)}`);
  const lat = [-90, 90];
  const lon = [-180, 180];
  let lonBit = true;
  for (const ch of hash) {
    const value = GEOHASH_ALPHABET.indexOf(ch);
    for (let bit = 4; bit >= 0; bit--) {
      const range = lonBit ? lon : lat;
      const mid = (range[0]! + range[1]!) / 2;
      if ((value >> bit) & 1) range[0] = mid;
      else range[1] = mid;
      lonBit = !lonBit;
    }
  }
  return { latitude: (lat[0]! + lat[1]!) / 2, longitude: (lon[0]! + lon[1]!) / 2 };
}
