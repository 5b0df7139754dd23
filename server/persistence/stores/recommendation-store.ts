import { ForeignKeyConstraintViolationException, type MikroORM } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/core";
import type { ListKey, RecommendationList, RecommendationStore } from "../../domain/recommendations/lists.js";
import { ContentItemEntity } from "../entities/content-item.js";
import { InteractionEntity } from "../entities/interaction.js";
import { RecommendationEntity, type RecommendationRow } from "../entities/recommendation.js";
import { toItemRecord } from "./catalog-store.js";

/**
 * Stored lists on MikroORM. A list is replaced in one transaction that, on Postgres, first takes a
 * transaction-scoped advisory lock on the list's key: two jobs writing the same list then run one
 * after the other, so the table never holds two sets of one key (SQLite serialises writers anyway).
 * That transaction does not wait for its commit to reach the disk (see lockKey).
 */
export class OrmRecommendationStore implements RecommendationStore {
  private readonly postgres: boolean;

  constructor(private readonly orm: MikroORM) {
    this.postgres = Boolean(orm.config.get("clientUrl"));
  }

  async find(key: ListKey, now: Date): Promise<RecommendationList | undefined> {
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

  async replace(list: RecommendationList): Promise<boolean> {
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
    try {
      await this.orm.em.fork().transactional(async (em) => {
        if (this.postgres) await lockKey(em, list);
        await em.nativeDelete(RecommendationEntity, { userId: list.userId, contentType: list.contentType, geohash: list.geohash });
        if (rows.length > 0) await em.insertMany(RecommendationEntity, rows);
      });
      return true;
    } catch (err) {
      // The account (or an item) was deleted while the list was being made: nothing to store.
      if (err instanceof ForeignKeyConstraintViolationException) return false;
      throw err;
    }
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
 * Also commits this transaction without waiting for its WAL flush (`synchronous_commit` off, for this
 * transaction only): a list is derived data that any request regenerates, so losing the last fraction
 * of a second of lists in a Postgres crash costs nothing, while waiting for the disk on each of a
 * user's four lists was most of a generation job's time. Still atomic and crash-consistent.
 */
async function lockKey(em: EntityManager, key: ListKey): Promise<void> {
  await em
    .getConnection()
    .execute(
      "select set_config('synchronous_commit', 'off', true), pg_advisory_xact_lock(hashtext(?))",
      [`recommendations:${key.userId}:${key.contentType}:${key.geohash}`],
      "all",
      em.getTransactionContext(),
    );
}
