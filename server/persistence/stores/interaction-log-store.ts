import { UniqueConstraintViolationException, type MikroORM } from "@mikro-orm/core";
import type { SqlEntityManager } from "@mikro-orm/knex";
import type { InteractionLog } from "../../domain/content/interactions.js";
import type { ContentKind } from "../../domain/content/kinds.js";
import type { InteractionRecord } from "../../domain/content/records.js";
import { ContentItemEntity } from "../entities/content-item.js";
import { InteractionEntity } from "../entities/interaction.js";
import { RecommendationEntity } from "../entities/recommendation.js";

/** Writes of user_interactions; the unique (user_id, idempotency_key) index makes retries safe under races. */
export class OrmInteractionLog implements InteractionLog {
  constructor(private readonly orm: MikroORM) {}

  async itemContentType(itemId: string): Promise<ContentKind | undefined> {
    const row = await this.orm.em.fork().findOne(ContentItemEntity, { id: itemId }, { fields: ["contentType"] });
    return row?.contentType;
  }

  async recommendedItem(userId: string, recommendationId: string): Promise<string | undefined> {
    const row = await this.orm.em.fork().findOne(RecommendationEntity, { id: recommendationId, userId }, { fields: ["contentItemId"] });
    return row?.contentItemId;
  }

  async insert(record: InteractionRecord, dedupeSince: Date): Promise<{ id: string; duplicate: boolean }> {
    const key = record.idempotencyKey;
    if (!key) {
      await insertRow(this.orm.em.fork() as SqlEntityManager, record);
      return { id: record.id, duplicate: false };
    }
    try {
      return await this.orm.em.fork().transactional(async (em) => {
        const earlier = await em.findOne(InteractionEntity, { userId: record.userId, idempotencyKey: key }, { fields: ["id", "createdAt"] });
        if (earlier && earlier.createdAt >= dedupeSince) return { id: earlier.id, duplicate: true };
        // The key's window has passed: it may name a new interaction.
        if (earlier) await em.nativeUpdate(InteractionEntity, { id: earlier.id }, { idempotencyKey: null });
        await insertRow(em as SqlEntityManager, record);
        return { id: record.id, duplicate: false };
      });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      // A concurrent retry with the same key won the race: answer with its interaction.
      const winner = await this.orm.em.fork().findOneOrFail(InteractionEntity, { userId: record.userId, idempotencyKey: key }, { fields: ["id"] });
      return { id: winner.id, duplicate: true };
    }
  }
}

/**
 * Through the query builder, not `em.insert`: the latter walks the data and reads
 * `value.constructor.name` of every object, so a client's JSON with a "constructor" key made it throw.
 */
async function insertRow(em: SqlEntityManager, record: InteractionRecord): Promise<void> {
  await em.createQueryBuilder(InteractionEntity).insert({ ...record }).execute();
}

/** MikroORM converts the driver's error on some paths only; the query builder's may arrive raw. */
function isUniqueViolation(err: unknown): boolean {
  if (err instanceof UniqueConstraintViolationException) return true;
  const code = (err as { code?: unknown } | undefined)?.code;
  return code === "23505" || code === "SQLITE_CONSTRAINT_UNIQUE";
}
