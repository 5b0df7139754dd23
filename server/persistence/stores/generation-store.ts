import type { MikroORM } from "@mikro-orm/core";
import type { ContentKind } from "../../domain/content/kinds.js";
import type { ContentItemRecord, InteractionRecord } from "../../domain/content/records.js";
import type { ProfileRecord } from "../../domain/users/profile.js";
import { ContentItemEntity } from "../entities/content-item.js";
import { InteractionEntity } from "../entities/interaction.js";
import { UserProfileEntity } from "../entities/user-profile.js";
import { toItemRecord } from "./catalog-store.js";
import { toInteractionRecord } from "./interaction-store.js";
import { toProfileRecord } from "./profile-store.js";

const PAGE = 10_000;

/** Cheap fingerprint of one content type's catalog: it changes whenever an item is added or changed. */
export interface CatalogSignature {
  readonly count: number;
  readonly lastUpdatedMs: number;
}

/**
 * What generation reads: whole catalogs (paged by id, so memory per page stays bounded), one user's
 * profile and recent interactions with their items, and all recent interactions for the models.
 */
export class OrmGenerationStore {
  constructor(private readonly orm: MikroORM) {}

  async catalogSignature(contentType: ContentKind): Promise<CatalogSignature> {
    const em = this.orm.em.fork();
    const count = await em.count(ContentItemEntity, { contentType });
    const last = await em.findOne(ContentItemEntity, { contentType }, { fields: ["updatedAt"], orderBy: { updatedAt: "desc" }, disableIdentityMap: true });
    return { count, lastUpdatedMs: last?.updatedAt.getTime() ?? 0 };
  }

  async catalog(contentType: ContentKind): Promise<ContentItemRecord[]> {
    const out: ContentItemRecord[] = [];
    let after: string | undefined;
    for (;;) {
      const rows = await this.orm.em
        .fork()
        .find(ContentItemEntity, { contentType, ...(after ? { id: { $gt: after } } : {}) }, { orderBy: { id: "asc" }, limit: PAGE, disableIdentityMap: true });
      for (const row of rows) out.push(toItemRecord(row));
      if (rows.length < PAGE) return out;
      after = rows[rows.length - 1]!.id;
    }
  }

  async profile(userId: string): Promise<ProfileRecord | undefined> {
    const row = await this.orm.em.fork().findOne(UserProfileEntity, { userId }, { disableIdentityMap: true });
    return row ? toProfileRecord(row) : undefined;
  }

  /**
   * The user's latest `limit` interactions (any content type) and the items they refer to. `held`
   * answers the items the caller already has in memory (a worker's catalog indexes); only the
   * others are read.
   */
  async history(
    userId: string,
    limit: number,
    held?: (itemId: string) => ContentItemRecord | undefined,
  ): Promise<{ interactions: InteractionRecord[]; items: ContentItemRecord[] }> {
    const em = this.orm.em.fork();
    const rows = await em.find(InteractionEntity, { userId }, { orderBy: { createdAt: "desc", id: "desc" }, limit, disableIdentityMap: true });
    const items: ContentItemRecord[] = [];
    const missing: string[] = [];
    for (const id of new Set(rows.map((r) => r.contentItemId))) {
      const item = held?.(id);
      if (item) items.push(item);
      else missing.push(id);
    }
    if (missing.length > 0) {
      for (const row of await em.find(ContentItemEntity, { id: { $in: missing } }, { disableIdentityMap: true })) items.push(toItemRecord(row));
    }
    return { interactions: rows.map(toInteractionRecord), items };
  }

  /** Every interaction since `since`, in pages (for training the models). */
  async *interactionsSince(since: Date): AsyncGenerator<InteractionRecord[]> {
    let after: string | undefined;
    for (;;) {
      const rows = await this.orm.em
        .fork()
        .find(InteractionEntity, { createdAt: { $gte: since }, ...(after ? { id: { $gt: after } } : {}) }, { orderBy: { id: "asc" }, limit: PAGE, disableIdentityMap: true });
      if (rows.length > 0) yield rows.map(toInteractionRecord);
      if (rows.length < PAGE) return;
      after = rows[rows.length - 1]!.id;
    }
  }
}
