import { UniqueConstraintViolationException, type MikroORM } from "@mikro-orm/core";
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
      await this.orm.em.fork().insert(InteractionEntity, { ...record });
      return { id: record.id, duplicate: false };
    }
    try {
      return await this.orm.em.fork().transactional(async (em) => {
        const earlier = await em.findOne(InteractionEntity, { userId: record.userId, idempotencyKey: key }, { fields: ["id", "createdAt"] });
        if (earlier && earlier.createdAt >= dedupeSince) return { id: earlier.id, duplicate: true };
        // The key's window has passed: it may name a new interaction.
        if (earlier) await em.nativeUpdate(InteractionEntity, { id: earlier.id }, { idempotencyKey: null });
        await em.insert(InteractionEntity, { ...record });
        return { id: record.id, duplicate: false };
      });
    } catch (err) {
      if (!(err instanceof UniqueConstraintViolationException)) throw err;
      // A concurrent retry with the same key won the race: answer with its interaction.
      const winner = await this.orm.em.fork().findOneOrFail(InteractionEntity, { userId: record.userId, idempotencyKey: key }, { fields: ["id"] });
      return { id: winner.id, duplicate: true };
    }
  }
}
