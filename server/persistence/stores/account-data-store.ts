import { IsolationLevel, type EntityManager, type MikroORM } from "@mikro-orm/core";
import type { AccountDataStore, SessionRecord, UserDataExport } from "../../domain/users/data-rights.js";
import { ContentItemEntity } from "../entities/content-item.js";
import { InteractionEntity } from "../entities/interaction.js";
import { RecommendationEntity } from "../entities/recommendation.js";
import { RefreshTokenEntity } from "../entities/refresh-token.js";
import { UserProfileEntity } from "../entities/user-profile.js";
import { UserEntity } from "../entities/user.js";
import { toProfileRecord } from "./profile-store.js";

/**
 * Reads and erases everything stored about one user. Rows of interactions, recommendations and items
 * are returned as the domain records they structurally are: each call forks its own EntityManager.
 */
export class OrmAccountDataStore implements AccountDataStore {
  constructor(private readonly orm: MikroORM) {}

  async export(userId: string): Promise<UserDataExport | undefined> {
    const isPostgres = this.orm.config.get("clientUrl")?.startsWith("postgres") ?? false;
    // One snapshot, so a concurrent write cannot make the parts disagree; SQLite transactions are serializable already.
    const options = isPostgres ? { isolationLevel: IsolationLevel.REPEATABLE_READ, readOnly: true } : {};
    return this.orm.em.fork().transactional((em) => read(em, userId), options);
  }

  async erase(userId: string): Promise<boolean> {
    return this.orm.em.fork().transactional(async (em) => {
      // Explicit deletes, children first: the ON DELETE CASCADE keys act only where foreign keys are enforced
      // (SQLite needs a pragma). They remain a safety net for a row inserted concurrently.
      await em.nativeDelete(InteractionEntity, { userId });
      await em.nativeDelete(RecommendationEntity, { userId });
      await em.nativeDelete(UserProfileEntity, { userId });
      await em.nativeDelete(RefreshTokenEntity, { userId });
      return (await em.nativeDelete(UserEntity, { id: userId })) === 1;
    });
  }
}

async function read(em: EntityManager, userId: string): Promise<UserDataExport | undefined> {
  // password_hash is lazy, so it is never loaded here.
  const user = await em.findOne(UserEntity, { id: userId });
  const profile = await em.findOne(UserProfileEntity, { userId });
  if (!user || !profile) return undefined;
  const interactions = await em.find(InteractionEntity, { userId }, { orderBy: { createdAt: "desc", id: "desc" } });
  const recommendations = await em.find(
    RecommendationEntity,
    { userId },
    { orderBy: { contentType: "asc", generatedAt: "desc", rankingPosition: "asc" } },
  );
  const itemIds = [...new Set(recommendations.map((r) => r.contentItemId))];
  const items = itemIds.length > 0 ? await em.find(ContentItemEntity, { id: { $in: itemIds } }) : [];
  const itemsById = new Map(items.map((i) => [i.id, i]));
  // Token hashes are not even selected.
  const tokens = await em.find(
    RefreshTokenEntity,
    { userId },
    { fields: ["familyId", "createdAt", "expiresAt", "revokedAt"], orderBy: { createdAt: "asc" } },
  );
  return {
    account: {
      id: user.id,
      email: user.email,
      displayName: user.displayName,
      permissions: user.permissions,
      createdAt: user.createdAt,
    },
    profile: toProfileRecord(profile),
    interactions,
    recommendations: recommendations.map((record) => ({ record, item: itemsById.get(record.contentItemId) })),
    sessions: sessionsOf(tokens),
  };
}

type TokenTimes = { familyId: string; createdAt: Date; expiresAt: Date; revokedAt?: Date | null };

/** A family is one session: it starts with its first token, lasts until its latest expires, ends when none is active. */
function sessionsOf(tokens: readonly TokenTimes[]): SessionRecord[] {
  const families = new Map<string, TokenTimes[]>();
  for (const t of tokens) families.set(t.familyId, [...(families.get(t.familyId) ?? []), t]);
  const latest = (dates: Date[]) => new Date(Math.max(...dates.map((d) => d.getTime())));
  return [...families].map(([id, list]) => ({
    id,
    createdAt: list[0]!.createdAt,
    expiresAt: latest(list.map((t) => t.expiresAt)),
    revokedAt: list.every((t) => t.revokedAt) ? latest(list.map((t) => t.revokedAt!)) : undefined,
  }));
}
