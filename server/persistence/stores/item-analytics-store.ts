import { raw, type MikroORM } from "@mikro-orm/core";
import type { SqlEntityManager } from "@mikro-orm/knex";
import type { InteractionKind } from "../../domain/content/kinds.js";
import { ContentItemEntity } from "../entities/content-item.js";
import { InteractionEntity } from "../entities/interaction.js";

const BATCH = 500;

export type InteractionCounts = Partial<Record<InteractionKind, number>>;

/** Interaction counts per item and the popularity column they feed. */
export class OrmItemAnalyticsStore {
  constructor(private readonly orm: MikroORM) {}

  /** Items the user interacted with since `since`. */
  async touchedBy(userId: string, since: Date): Promise<string[]> {
    const rows = await (this.orm.em.fork() as SqlEntityManager)
      .createQueryBuilder(InteractionEntity)
      .select("contentItemId", true)
      .where({ userId, createdAt: { $gte: since } })
      .execute<{ contentItemId: string }[]>("all");
    return rows.map((r) => r.contentItemId);
  }

  /** Per item, how often each interaction type happened since `since` (grouped in the database). */
  async counts(itemIds: readonly string[], since: Date): Promise<Map<string, InteractionCounts>> {
    const out = new Map<string, InteractionCounts>();
    for (let i = 0; i < itemIds.length; i += BATCH) {
      const rows = await (this.orm.em.fork() as SqlEntityManager)
        .createQueryBuilder(InteractionEntity)
        .select(["contentItemId", "interactionType", raw("count(*) as n")])
        .where({ contentItemId: { $in: itemIds.slice(i, i + BATCH) }, createdAt: { $gte: since } })
        .groupBy(["contentItemId", "interactionType"])
        .execute<{ contentItemId: string; interactionType: InteractionKind; n: number | string }[]>("all");
      for (const r of rows) {
        const counts = out.get(r.contentItemId) ?? {};
        counts[r.interactionType] = Number(r.n);
        out.set(r.contentItemId, counts);
      }
    }
    return out;
  }

  /** Writes popularity and bumps updated_at, so workers see the change and re-index the catalog. */
  async setPopularity(values: ReadonlyMap<string, number>, at: Date): Promise<void> {
    await this.orm.em.fork().transactional(async (em) => {
      for (const [id, popularity] of values) await em.nativeUpdate(ContentItemEntity, { id }, { popularity, updatedAt: at });
    });
  }
}
