import { randomUUID } from "node:crypto";
import type { MikroORM } from "@mikro-orm/core";
import type { SqlEntityManager } from "@mikro-orm/knex";
import type { CatalogItem, CatalogStore } from "../../domain/content/catalog.js";
import type { ContentItemRecord } from "../../domain/content/records.js";
import { ContentItemEntity, type ContentItemRow } from "../entities/content-item.js";

// 14 columns a row: 500 rows stay far below SQLite's and Postgres's bound-parameter caps.
const ROWS_PER_STATEMENT = 500;

/** What an import may change; id, created_at and popularity stay as they are. */
const MERGED: (keyof ContentItemRow)[] = ["title", "description", "tags", "metadata", "latitude", "longitude", "startTime", "endTime", "updatedAt"];

/**
 * CatalogStore on MikroORM. The upsert is `insert … on conflict (content_type, external_id) do
 * update … returning id`, which both dialects speak: a returned id that is not the one we proposed
 * belongs to a row that already existed, so the counts are exact even while another import writes
 * the same keys, and two concurrent imports never fail on the unique key.
 */
export class OrmCatalogStore implements CatalogStore {
  constructor(private readonly orm: MikroORM) {}

  async upsert(items: readonly CatalogItem[], at: Date) {
    // Both drivers' managers are knex-based SqlEntityManagers; core's type does not know the query builder.
    return (this.orm.em.fork() as SqlEntityManager).transactional(async (em) => {
      let inserted = 0;
      // Key order: concurrent imports of overlapping items then take their row locks in the same
      // order and wait for each other instead of deadlocking.
      const sorted = [...items].sort(byKey);
      for (let i = 0; i < sorted.length; i += ROWS_PER_STATEMENT) {
        const rows = sorted.slice(i, i + ROWS_PER_STATEMENT).map((item) => toRow(item, at));
        const proposed = new Set(rows.map((r) => r.id));
        const returned = await upsertRows(em, rows);
        inserted += returned.filter((r) => proposed.has(r.id)).length;
      }
      return { inserted, updated: items.length - inserted };
    });
  }

  async findById(id: string) {
    const row = await this.orm.em.fork().findOne(ContentItemEntity, { id }, { disableIdentityMap: true });
    return row ? toItemRecord(row) : undefined;
  }

  async isEmpty() {
    // One row read, not a count over the whole table.
    const rows = await this.orm.em.fork().find(ContentItemEntity, {}, { fields: ["id"], limit: 1, disableIdentityMap: true });
    return rows.length === 0;
  }
}

async function upsertRows(em: SqlEntityManager, rows: ContentItemRow[]): Promise<{ id: string }[]> {
  const qb = em
    .createQueryBuilder(ContentItemEntity)
    .insert(rows)
    .onConflict(["contentType", "externalId"])
    .merge(MERGED)
    .returning(["id"]);
  return (await qb.execute("all", false)) as { id: string }[];
}

function byKey(a: CatalogItem, b: CatalogItem): number {
  if (a.contentType !== b.contentType) return a.contentType < b.contentType ? -1 : 1;
  return a.externalId < b.externalId ? -1 : a.externalId > b.externalId ? 1 : 0;
}

function toRow(item: CatalogItem, at: Date): ContentItemRow {
  return {
    id: randomUUID(),
    contentType: item.contentType,
    externalId: item.externalId,
    title: item.title,
    description: item.description,
    tags: [...item.tags],
    metadata: { ...item.metadata },
    latitude: item.location?.latitude ?? null,
    longitude: item.location?.longitude ?? null,
    startTime: item.startTime ?? null,
    endTime: item.endTime ?? null,
    popularity: 0,
    createdAt: at,
    updatedAt: at,
  };
}

export function toItemRecord(row: ContentItemRow): ContentItemRecord {
  return {
    id: row.id,
    contentType: row.contentType,
    externalId: row.externalId,
    title: row.title,
    description: row.description,
    tags: row.tags,
    metadata: row.metadata,
    latitude: row.latitude ?? null,
    longitude: row.longitude ?? null,
    startTime: row.startTime ?? null,
    endTime: row.endTime ?? null,
    popularity: row.popularity,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
