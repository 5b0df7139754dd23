import { IsolationLevel, type EntityManager, type FilterQuery, type MikroORM } from "@mikro-orm/core";
import type { ContentKind, InteractionKind } from "../../domain/content/kinds.js";
import type { InteractionRecord } from "../../domain/content/records.js";
import {
  TOP_LIKED_TAGS,
  type AnalyticsCounts,
  type HistoryCursor,
  type InteractionFilter,
  type InteractionStore,
} from "../../domain/users/interaction-history.js";
import { InteractionEntity, type InteractionRow } from "../entities/interaction.js";

// Both read from the index of migration 0003 alone; grouping in its column order streams without a sort.
const PAIRS =
  "select content_type, interaction_type, count(*) as n from user_interactions where user_id = ? group by interaction_type, content_type";
// Distinct first: far fewer rows to expand into tags than one per like.
const LIKED_ITEMS = "select distinct content_item_id from user_interactions where user_id = ? and interaction_type = 'like'";

/** The SQL that differs by dialect. SQLite holds datetimes as epoch milliseconds (MikroORM's mapping), Postgres as timestamptz. */
interface Dialect {
  /** Distinct UTC days, first and last created_at (epoch ms) of the user's interactions. */
  readonly activity: string;
  /** Tags of the items the user liked, each item counted once (however often liked, however often it repeats a tag). */
  readonly likedTags: string;
}

// Grouping days in a subquery hashes them; count(distinct …) would sort every row.
const POSTGRES: Dialect = {
  activity:
    "select count(*) as days, floor(extract(epoch from min(first_at)) * 1000) as first_ms, floor(extract(epoch from max(last_at)) * 1000) as last_ms " +
    "from (select min(created_at) as first_at, max(created_at) as last_at from user_interactions where user_id = ? " +
    "group by date_trunc('day', created_at at time zone 'UTC')) as days",
  // COLLATE "C" orders ties bytewise, as SQLite does, whatever the database's locale.
  likedTags:
    `select t.tag, count(distinct liked.content_item_id) as n from (${LIKED_ITEMS}) as liked ` +
    "join content_items ci on ci.id = liked.content_item_id cross join lateral jsonb_array_elements_text(ci.tags) as t(tag) " +
    'group by t.tag order by n desc, t.tag collate "C" limit ?',
};

const SQLITE: Dialect = {
  activity:
    "select count(*) as days, min(first_at) as first_ms, max(last_at) as last_ms " +
    "from (select min(created_at) as first_at, max(created_at) as last_at from user_interactions where user_id = ? " +
    "group by created_at / 86400000) as days",
  likedTags:
    `select t.value as tag, count(distinct liked.content_item_id) as n from (${LIKED_ITEMS}) as liked ` +
    "join content_items ci on ci.id = liked.content_item_id join json_each(ci.tags) as t " +
    "group by t.value order by n desc, t.value limit ?",
};

export class OrmInteractionStore implements InteractionStore {
  private readonly isPostgres: boolean;
  private readonly dialect: Dialect;

  constructor(private readonly orm: MikroORM) {
    this.isPostgres = orm.config.get("clientUrl")?.startsWith("postgres") ?? false;
    this.dialect = this.isPostgres ? POSTGRES : SQLITE;
  }

  async page(userId: string, filter: InteractionFilter, cursor: HistoryCursor | undefined, limit: number) {
    const where: FilterQuery<InteractionRow> = { userId };
    if (filter.contentType) where.contentType = filter.contentType;
    if (filter.interactionType) where.interactionType = filter.interactionType;
    if (cursor) {
      // (created_at, id) < cursor. The plain `<=` conjunct gives the planner an index bound to seek to.
      where.createdAt = { $lte: cursor.createdAt };
      where.$or = [{ createdAt: { $lt: cursor.createdAt } }, { id: { $lt: cursor.id } }];
    }
    const rows = await this.orm.em.fork().find(InteractionEntity, where, {
      orderBy: { createdAt: "desc", id: "desc" },
      limit,
      disableIdentityMap: true,
    });
    return rows.map(toInteractionRecord);
  }

  /** Three aggregations in the database, read from one snapshot so the figures agree with each other. */
  async analytics(userId: string): Promise<AnalyticsCounts> {
    const options = this.isPostgres ? { isolationLevel: IsolationLevel.REPEATABLE_READ, readOnly: true } : {};
    return this.orm.em.fork().transactional(async (em) => {
      const pairs = await run(em, PAIRS, [userId]);
      const [activity] = await run(em, this.dialect.activity, [userId]);
      const tags = await run(em, this.dialect.likedTags, [userId, TOP_LIKED_TAGS]);
      return {
        pairs: pairs.map((r) => ({
          contentType: r.content_type as ContentKind,
          interactionType: r.interaction_type as InteractionKind,
          count: Number(r.n),
        })),
        topLikedTags: tags.map((r) => ({ tag: String(r.tag), count: Number(r.n) })),
        activeDays: Number(activity?.days ?? 0),
        firstActivity: activity?.first_ms == null ? undefined : new Date(Number(activity.first_ms)),
        lastActivity: activity?.last_ms == null ? undefined : new Date(Number(activity.last_ms)),
      };
    }, options);
  }
}

/** Postgres returns counts (bigint) and numerics as strings; callers convert with Number(). */
function run(em: EntityManager, sql: string, params: unknown[]): Promise<Record<string, unknown>[]> {
  return em.getConnection().execute(sql, params, "all", em.getTransactionContext());
}

export function toInteractionRecord(row: InteractionRow): InteractionRecord {
  return {
    id: row.id,
    userId: row.userId,
    contentItemId: row.contentItemId,
    recommendationId: row.recommendationId ?? null,
    contentType: row.contentType,
    interactionType: row.interactionType,
    data: row.data ?? null,
    device: row.device ?? null,
    latitude: row.latitude ?? null,
    longitude: row.longitude ?? null,
    idempotencyKey: row.idempotencyKey ?? null,
    createdAt: row.createdAt,
  };
}
