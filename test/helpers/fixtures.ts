import { randomUUID } from "node:crypto";
import type { EntitySchema, MikroORM } from "@mikro-orm/core";
import type { ContentKind, InteractionKind } from "../../server/domain/content/kinds.js";
import { ContentItemEntity, type ContentItemRow } from "../../server/persistence/entities/content-item.js";
import { InteractionEntity, type InteractionRow } from "../../server/persistence/entities/interaction.js";
import { RecommendationEntity, type RecommendationRow } from "../../server/persistence/entities/recommendation.js";

/**
 * Direct inserts for test fixtures (catalog items, interactions, stored recommendations), for
 * suites that need data the public API cannot create yet or needs thousands of.
 */
export async function seedItems(
  orm: MikroORM,
  items: (Partial<ContentItemRow> & { contentType: ContentKind })[],
): Promise<ContentItemRow[]> {
  const now = new Date();
  const rows: ContentItemRow[] = items.map((i, n) => ({
    id: randomUUID(),
    externalId: `fixture-${randomUUID()}`,
    title: `Item ${n}`,
    description: "",
    tags: [],
    metadata: {},
    popularity: 0,
    createdAt: now,
    updatedAt: now,
    ...i,
  }));
  await insertInChunks(orm, ContentItemEntity, rows);
  return rows;
}

export async function seedInteractions(
  orm: MikroORM,
  userId: string,
  list: { item: ContentItemRow; type: InteractionKind; at: Date; data?: Record<string, unknown> }[],
): Promise<InteractionRow[]> {
  const rows: InteractionRow[] = list.map((x) => ({
    id: randomUUID(),
    userId,
    contentItemId: x.item.id,
    contentType: x.item.contentType,
    interactionType: x.type,
    data: x.data ?? null,
    device: "test",
    createdAt: x.at,
  }));
  await insertInChunks(orm, InteractionEntity, rows);
  return rows;
}

export async function seedRecommendations(
  orm: MikroORM,
  userId: string,
  items: ContentItemRow[],
  expiresAt = new Date(Date.now() + 3600_000),
): Promise<RecommendationRow[]> {
  const now = new Date();
  const rows: RecommendationRow[] = items.map((item, n) => ({
    id: randomUUID(),
    userId,
    contentItemId: item.id,
    contentType: item.contentType,
    relevanceScore: 1 - n / (items.length + 1),
    rankingPosition: n + 1,
    reasons: ["fixture"],
    distanceKm: null,
    geohash: "",
    generatedAt: now,
    expiresAt,
  }));
  await insertInChunks(orm, RecommendationEntity, rows);
  return rows;
}

async function insertInChunks<T extends object>(orm: MikroORM, entity: EntitySchema<T, never>, rows: T[]) {
  const em = orm.em.fork();
  // SQLite caps bound parameters per statement; 200 rows × ~14 columns stays under it.
  for (let i = 0; i < rows.length; i += 200) await em.insertMany<T>(entity, rows.slice(i, i + 200) as never);
}
