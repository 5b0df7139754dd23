import type { ContentKind } from "../../server/domain/content/kinds.js";
import type { ContentItemRecord, InteractionRecord } from "../../server/domain/content/records.js";
import type { CatalogIndex } from "./catalog-index.js";
import { buildUserModel, type UserModel } from "./user-model.js";
import { HOUR_MS } from "./weights.js";

/** Small, fast, seedable PRNG (mulberry32), so a benchmark or test catalog is the same every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The mean position of each city's items in a located starter catalog. */
export function cityCentres(items: readonly ContentItemRecord[]): { city: string; latitude: number; longitude: number }[] {
  const sums = new Map<string, { lat: number; lon: number; n: number }>();
  for (const item of items) {
    const city = item.metadata["city"];
    if (typeof city !== "string" || item.latitude == null || item.longitude == null) continue;
    const s = sums.get(city) ?? { lat: 0, lon: 0, n: 0 };
    s.lat += item.latitude;
    s.lon += item.longitude;
    s.n++;
    sums.set(city, s);
  }
  return [...sums].map(([city, s]) => ({ city, latitude: s.lat / s.n, longitude: s.lon / s.n }));
}

export interface SyntheticOptions {
  readonly contentType: ContentKind;
  readonly count: number;
  /** Starter items of the same type: titles, descriptions and tags are drawn from them. */
  readonly templates: readonly ContentItemRecord[];
  /** Where located items cluster (see cityCentres). */
  readonly cities?: readonly { latitude: number; longitude: number }[];
  readonly now: Date;
  readonly seed?: number;
}

/**
 * A catalog of `count` items that looks like the starter catalog at scale: each item copies a
 * template's text and tags, adds one or two tags of the same vocabulary, and (places, events)
 * sits around a city centre with a normal spread of about 6 km. Popularity is skewed, as in real
 * catalogs: most items are obscure, few are famous.
 */
export function syntheticCatalog(o: SyntheticOptions): ContentItemRecord[] {
  const random = seededRandom(o.seed ?? 1);
  const vocabulary = [...new Set(o.templates.flatMap((t) => t.tags))].sort();
  const located = o.contentType === "place" || o.contentType === "event";
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const out: ContentItemRecord[] = new Array<ContentItemRecord>(o.count);
  for (let n = 0; n < o.count; n++) {
    const template = o.templates[Math.floor(random() * o.templates.length)]!;
    const tags = new Set(template.tags);
    const extra = 1 + Math.floor(random() * 2);
    for (let k = 0; k < extra; k++) tags.add(vocabulary[Math.floor(random() * vocabulary.length)]!);
    let latitude: number | null = null;
    let longitude: number | null = null;
    if (located && o.cities && o.cities.length > 0) {
      const centre = o.cities[Math.floor(random() * o.cities.length)]!;
      latitude = centre.latitude + (gaussian() * 6) / 111;
      longitude = centre.longitude + (gaussian() * 6) / (111 * Math.cos((centre.latitude * Math.PI) / 180));
    }
    let startTime: Date | null = null;
    let endTime: Date | null = null;
    if (o.contentType === "event") {
      startTime = new Date(o.now.getTime() + (random() * 1512 - 72) * HOUR_MS);
      endTime = new Date(startTime.getTime() + (1 + random() * 71) * HOUR_MS);
    }
    out[n] = {
      id: `${o.contentType}-${n}`,
      contentType: o.contentType,
      externalId: `${o.contentType}-${n}`,
      title: `${template.title} ${n}`,
      description: template.description,
      tags: [...tags],
      metadata: template.metadata,
      latitude,
      longitude,
      startTime,
      endTime,
      popularity: random() ** 4,
      createdAt: o.now,
      updatedAt: o.now,
    };
  }
  return out;
}

/**
 * Interactions of `users` people, each with a few favourite tags who like, save and click items
 * carrying them: enough structure for collaborative filtering to find real neighbours.
 */
export function syntheticInteractions(
  items: readonly ContentItemRecord[],
  users: number,
  perUser: number,
  now: Date,
  seed = 2,
): InteractionRecord[] {
  const random = seededRandom(seed);
  const kinds = ["like", "save", "click", "click", "view", "share"] as const;
  const out: InteractionRecord[] = [];
  for (let u = 0; u < users; u++) {
    // Each user stays within a slice of the catalog, so co-occurrences repeat across users.
    const slice = Math.floor(random() * 50);
    for (let k = 0; k < perUser; k++) {
      const item = items[(slice * 997 + Math.floor(random() * 200) * 53) % items.length]!;
      out.push({
        id: `i-${u}-${k}`,
        userId: `u-${u}`,
        contentItemId: item.id,
        contentType: item.contentType,
        interactionType: kinds[Math.floor(random() * kinds.length)]!,
        createdAt: new Date(now.getTime() - random() * 60 * 24 * HOUR_MS),
      });
    }
  }
  return out;
}

/**
 * The user the engine benchmarks rank for: one fixed profile (jazz, street food and history, a
 * rooftop keyword, a night owl) and the synthetic history of `userId`, its items found in `index`.
 */
export function syntheticUser(o: {
  readonly contentType: ContentKind;
  readonly index: CatalogIndex;
  readonly interactions: readonly InteractionRecord[];
  readonly userId: string;
  readonly now: Date;
}): UserModel {
  const history = o.interactions.filter((i) => i.userId === o.userId);
  return buildUserModel({
    contentType: o.contentType,
    profile: { interests: ["jazz", "street food", "history"], keywords: ["rooftop"], archetypes: ["night-owl"] },
    interactions: history,
    items: history.map((i) => o.index.items[o.index.position(i.contentItemId)!]!),
    now: o.now,
  });
}
