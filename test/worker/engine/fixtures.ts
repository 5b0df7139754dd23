import type { ContentKind, InteractionKind } from "../../../server/domain/content/kinds.js";
import type { ContentItemRecord, InteractionRecord } from "../../../server/domain/content/records.js";
import type { GeoPoint, ProfileFields } from "../../../server/domain/users/profile.js";
import { buildCatalogIndex, type CatalogIndex } from "../../../worker/engine/catalog-index.js";
import type { ItemSimilarity } from "../../../worker/engine/item-similarity.js";
import { rank, type RankResult } from "../../../worker/engine/rank.js";
import { starterItemsOf } from "../../../worker/engine/starter-items.js";
import { buildUserModel, type UserModel } from "../../../worker/engine/user-model.js";
import { DEFAULT_WEIGHTS, type EngineWeights } from "../../../worker/engine/weights.js";

/** Fixed clock: the starter catalog's event times are placed relative to it. */
export const NOW = new Date("2025-06-01T12:00:00Z");
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

const loaded = new Map<ContentKind, ContentItemRecord[]>();
const indexes = new Map<ContentKind, CatalogIndex>();

/** The real starter catalog of one type (catalog/starter/*.jsonl), loaded at NOW. */
export function starter(kind: ContentKind): ContentItemRecord[] {
  let items = loaded.get(kind);
  if (!items) {
    items = starterItemsOf(kind, NOW);
    loaded.set(kind, items);
  }
  return items;
}

export function starterIndex(kind: ContentKind): CatalogIndex {
  let index = indexes.get(kind);
  if (!index) {
    index = buildCatalogIndex(kind, starter(kind));
    indexes.set(kind, index);
  }
  return index;
}

/** Any starter item by id, whatever its type. */
export function item(id: string): ContentItemRecord {
  for (const kind of ["place", "event", "music", "movie"] as const) {
    const found = starter(kind).find((i) => i.id === id);
    if (found) return found;
  }
  throw new Error(`no starter item ${id}`);
}

/** City centres as the starter catalog's own test uses them. */
export const LISBON: GeoPoint = { latitude: 38.7223, longitude: -9.1393 };
export const BERLIN: GeoPoint = { latitude: 52.52, longitude: 13.405 };
export const TOKYO: GeoPoint = { latitude: 35.6812, longitude: 139.7671 };
/** About 18 km west of Lisbon: no starter place within 10 km. */
export const CASCAIS: GeoPoint = { latitude: 38.6979, longitude: -9.4215 };
export const MID_ATLANTIC: GeoPoint = { latitude: 30, longitude: -40 };

let sequence = 0;
export function interaction(userId: string, target: ContentItemRecord, kind: InteractionKind, at: Date = NOW): InteractionRecord {
  sequence++;
  return {
    id: `ix-${String(sequence).padStart(6, "0")}`,
    userId,
    contentItemId: target.id,
    contentType: target.contentType,
    interactionType: kind,
    createdAt: at,
  };
}

export interface RankFor {
  readonly kind: ContentKind;
  readonly profile?: Partial<ProfileFields>;
  readonly interactions?: readonly InteractionRecord[];
  readonly location?: GeoPoint;
  readonly similarity?: ItemSimilarity;
  readonly weights?: EngineWeights;
  readonly limit?: number;
  readonly index?: CatalogIndex;
}

export function modelFor(o: RankFor): UserModel {
  const interactions = o.interactions ?? [];
  return buildUserModel({
    contentType: o.kind,
    profile: o.profile ?? {},
    interactions,
    items: interactions.map((i) => item(i.contentItemId)),
    now: NOW,
    weights: o.weights ?? DEFAULT_WEIGHTS,
  });
}

/** Builds the user model and ranks the starter catalog (or `index`) for it. */
export function rankFor(o: RankFor): RankResult {
  return rank({
    contentType: o.kind,
    index: o.index ?? starterIndex(o.kind),
    user: modelFor(o),
    ...(o.similarity ? { similarity: o.similarity } : {}),
    ...(o.location ? { location: o.location } : {}),
    now: NOW,
    weights: o.weights ?? DEFAULT_WEIGHTS,
    limit: o.limit ?? 10,
  });
}

export function ids(result: RankResult): string[] {
  return result.recommendations.map((r) => r.itemId);
}

/** Great-circle distance computed independently of the engine (haversine, mean Earth radius). */
export function haversineKm(a: GeoPoint, b: GeoPoint): number {
  const rad = (d: number) => (d * Math.PI) / 180;
  const h =
    Math.sin(rad(b.latitude - a.latitude) / 2) ** 2 +
    Math.cos(rad(a.latitude)) * Math.cos(rad(b.latitude)) * Math.sin(rad(b.longitude - a.longitude) / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(h));
}

export function pointOf(i: ContentItemRecord): GeoPoint {
  return { latitude: i.latitude!, longitude: i.longitude! };
}
