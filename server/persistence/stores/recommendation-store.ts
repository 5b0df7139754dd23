import { ForeignKeyConstraintViolationException, type MikroORM } from "@mikro-orm/core";
import type { ContentKind } from "../../domain/content/kinds.js";
import type { ListKey, RecommendationList, RecommendationStore } from "../../domain/recommendations/lists.js";
import { boundQuery } from "../bound-query.js";
import { ContentItemEntity } from "../entities/content-item.js";
import { InteractionEntity } from "../entities/interaction.js";
import { RecommendationEntity, type RecommendationRow } from "../entities/recommendation.js";
import { UserProfileEntity } from "../entities/user-profile.js";
import { toItemRecord } from "./catalog-store.js";

/**
 * Stored lists, through MikroORM's connection (hand-written SQL on Postgres's hot paths, the ORM on
 * SQLite). A list is replaced atomically: on Postgres by one call of
 * `replace_recommendation_list` (migration 0005), which takes a transaction-scoped advisory lock on
 * the list's key, so two jobs writing the same list run one after the other and the table never
 * holds two sets of one key, and which does not wait for its commit to reach the disk (a list is
 * derived data any request regenerates); on SQLite in one ORM transaction (SQLite serialises writers).
 */
export class OrmRecommendationStore implements RecommendationStore {
  private readonly postgres: boolean;

  constructor(private readonly orm: MikroORM) {
    this.postgres = Boolean(orm.config.get("clientUrl"));
  }

  async find(key: ListKey, now: Date): Promise<RecommendationList | undefined> {
    return this.postgres ? this.findOnPostgres(key, now) : this.findWithOrm(key, now);
  }

  /**
   * One query for the rows and their items, mapped by hand: this is the request path of a cache
   * miss, where building 100 entities (rows, then items) cost more than the database did.
   */
  private async findOnPostgres(key: ListKey, now: Date): Promise<RecommendationList | undefined> {
    const rows = await boundQuery<JoinedRow>(
      this.orm,
      `select r.id, r.relevance_score, r.ranking_position, r.reasons, r.distance_km,
              ${ms("r.generated_at")} as generated_at, ${ms("r.expires_at")} as expires_at,
              i.id as item_id, i.content_type, i.external_id, i.title, i.description, i.tags, i.metadata,
              i.latitude, i.longitude, ${ms("i.start_time")} as start_time, ${ms("i.end_time")} as end_time,
              i.popularity, ${ms("i.created_at")} as created_at, ${ms("i.updated_at")} as updated_at
         from content_recommendations r join content_items i on i.id = r.content_item_id
        where r.user_id = ? and r.content_type = ? and r.geohash = ? and r.expires_at > ?
        order by r.ranking_position`,
      [key.userId, key.contentType, key.geohash, now],
    );
    const first = rows[0];
    if (!first) return undefined;
    return {
      ...key,
      generatedAt: new Date(first.generated_at),
      expiresAt: new Date(first.expires_at),
      entries: rows.map((r) => ({
        id: r.id,
        item: {
          id: r.item_id,
          contentType: r.content_type,
          externalId: r.external_id,
          title: r.title,
          description: r.description,
          tags: r.tags,
          metadata: r.metadata,
          latitude: r.latitude,
          longitude: r.longitude,
          startTime: r.start_time === null ? null : new Date(r.start_time),
          endTime: r.end_time === null ? null : new Date(r.end_time),
          popularity: r.popularity,
          createdAt: new Date(r.created_at),
          updatedAt: new Date(r.updated_at),
        },
        relevanceScore: r.relevance_score,
        rankingPosition: r.ranking_position,
        reasons: r.reasons,
        ...(r.distance_km != null ? { distanceKm: r.distance_km } : {}),
      })),
    };
  }

  private async findWithOrm(key: ListKey, now: Date): Promise<RecommendationList | undefined> {
    const em = this.orm.em.fork();
    const rows = await em.find(
      RecommendationEntity,
      { userId: key.userId, contentType: key.contentType, geohash: key.geohash, expiresAt: { $gt: now } },
      { orderBy: { rankingPosition: "asc" }, disableIdentityMap: true },
    );
    if (rows.length === 0) return undefined;
    const items = await em.find(ContentItemEntity, { id: { $in: [...new Set(rows.map((r) => r.contentItemId))] } }, { disableIdentityMap: true });
    const byId = new Map(items.map((i) => [i.id, toItemRecord(i)]));
    const first = rows[0]!;
    return {
      ...key,
      generatedAt: first.generatedAt,
      expiresAt: first.expiresAt,
      entries: rows.flatMap((r) => {
        const item = byId.get(r.contentItemId);
        return item
          ? [{ id: r.id, item, relevanceScore: r.relevanceScore, rankingPosition: r.rankingPosition, reasons: r.reasons, ...(r.distanceKm != null ? { distanceKm: r.distanceKm } : {}) }]
          : [];
      }),
    };
  }

  async replace(list: RecommendationList, basis?: Date): Promise<boolean> {
    try {
      return this.postgres ? await this.replaceOnPostgres(list, basis) : await this.replaceWithOrm(list, basis);
    } catch (err) {
      // The account (or an item) was deleted while the list was being made: nothing to store.
      if (err instanceof ForeignKeyConstraintViolationException) return false;
      throw err;
    }
  }

  /** One call of the function of migration 0005 (profile check, lock, delete, insert; no wait for the disk). */
  private async replaceOnPostgres(list: RecommendationList, basis: Date | undefined): Promise<boolean> {
    const entries = list.entries.map((e) => ({
      id: e.id,
      item: e.item.id,
      score: e.relevanceScore,
      position: e.rankingPosition,
      reasons: e.reasons,
      km: e.distanceKm ?? null,
    }));
    const args = [list.userId, list.contentType, list.geohash, list.generatedAt, list.expiresAt, JSON.stringify(entries), basis ?? null];
    const [row] = await boundQuery<{ stored: boolean }>(
      this.orm,
      "select replace_recommendation_list(?, ?, ?, ?, ?, ?::jsonb, ?::timestamptz) as stored",
      args,
    );
    return row?.stored === true;
  }

  /**
   * SQLite: one transaction (SQLite serialises writers, so two sets of one key cannot interleave, and
   * the profile read inside it cannot change before the write).
   */
  private async replaceWithOrm(list: RecommendationList, basis: Date | undefined): Promise<boolean> {
    const rows: RecommendationRow[] = list.entries.map((e) => ({
      id: e.id,
      userId: list.userId,
      contentItemId: e.item.id,
      contentType: list.contentType,
      relevanceScore: e.relevanceScore,
      rankingPosition: e.rankingPosition,
      reasons: [...e.reasons],
      distanceKm: e.distanceKm ?? null,
      geohash: list.geohash,
      generatedAt: list.generatedAt,
      expiresAt: list.expiresAt,
    }));
    return this.orm.em.fork().transactional(async (em) => {
      if (basis) {
        const profile = await em.findOne(UserProfileEntity, { userId: list.userId }, { fields: ["updatedAt"], disableIdentityMap: true });
        if (profile && profile.updatedAt.getTime() > basis.getTime()) return false;
      }
      await em.nativeDelete(RecommendationEntity, { userId: list.userId, contentType: list.contentType, geohash: list.geohash });
      if (rows.length > 0) await em.insertMany(RecommendationEntity, rows);
      return true;
    });
  }

  async deleteUser(userId: string): Promise<number> {
    return this.orm.em.fork().nativeDelete(RecommendationEntity, { userId });
  }

  async deleteExpired(before: Date): Promise<number> {
    return this.orm.em.fork().nativeDelete(RecommendationEntity, { expiresAt: { $lt: before } });
  }

  async expiringForActiveUsers(until: Date, activeSince: Date, limit: number): Promise<ListKey[]> {
    const em = this.orm.em.fork();
    const rows = await em.find(
      RecommendationEntity,
      { expiresAt: { $gt: new Date(), $lte: until }, rankingPosition: 1 },
      { fields: ["userId", "contentType", "geohash"], limit: limit * 4, disableIdentityMap: true },
    );
    const users = [...new Set(rows.map((r) => r.userId))];
    if (users.length === 0) return [];
    const active = await em.find(
      InteractionEntity,
      { userId: { $in: users }, createdAt: { $gte: activeSince } },
      { fields: ["userId"], disableIdentityMap: true },
    );
    const activeUsers = new Set(active.map((a) => a.userId));
    return rows
      .filter((r) => activeUsers.has(r.userId))
      .slice(0, limit)
      .map((r) => ({ userId: r.userId, contentType: r.contentType, geohash: r.geohash }));
  }
}

/**
 * A timestamp column as epoch milliseconds (float8, which node-postgres gives as a number; MikroORM
 * has it hand timestamps over as text). Stored instants are whole milliseconds, so rounding is exact.
 */
function ms(column: string): string {
  return `round(extract(epoch from ${column}) * 1000)::float8`;
}

/** A row of findOnPostgres: jsonb parsed, float8 as number, instants as epoch ms (see ms()). */
interface JoinedRow {
  id: string;
  relevance_score: number;
  ranking_position: number;
  reasons: string[];
  distance_km: number | null;
  generated_at: number;
  expires_at: number;
  item_id: string;
  content_type: ContentKind;
  external_id: string;
  title: string;
  description: string;
  tags: string[];
  metadata: Record<string, unknown>;
  latitude: number | null;
  longitude: number | null;
  start_time: number | null;
  end_time: number | null;
  popularity: number;
  created_at: number;
  updated_at: number;
}
