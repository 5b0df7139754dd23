import { CONTENT_KINDS, INTERACTION_KINDS, type ContentKind, type InteractionKind } from "../content/kinds.js";
import type { InteractionRecord } from "../content/records.js";
import { Violations } from "../errors.js";
import type { PageTokens } from "./page-tokens.js";

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 500;
export const TOP_LIKED_TAGS = 10;

export interface InteractionFilter {
  readonly contentType?: ContentKind;
  readonly interactionType?: InteractionKind;
}

/** Position after the last interaction of a page, in (created_at desc, id desc) order. */
export interface HistoryCursor {
  readonly createdAt: Date;
  readonly id: string;
}

/** What the database aggregates for one user; `InteractionHistory` derives the figures from it. */
export interface AnalyticsCounts {
  /** One entry per (content type, interaction type) pair that occurs. */
  readonly pairs: readonly { contentType: ContentKind; interactionType: InteractionKind; count: number }[];
  /** Most frequent first, then by tag; at most `TOP_LIKED_TAGS`. */
  readonly topLikedTags: readonly TagCount[];
  readonly activeDays: number;
  readonly firstActivity?: Date;
  readonly lastActivity?: Date;
}

export interface TagCount {
  readonly tag: string;
  /** Distinct liked items carrying the tag. */
  readonly count: number;
}

export interface AnalyticsFigures {
  readonly totalInteractions: number;
  /** Types without interactions are omitted; in `INTERACTION_KINDS` order. */
  readonly interactionCounts: readonly { interactionType: InteractionKind; count: number }[];
  /** Types without interactions are omitted; in `CONTENT_KINDS` order. */
  readonly contentTypeStats: readonly ContentTypeStats[];
  readonly topLikedTags: readonly TagCount[];
  readonly activeDays: number;
  readonly firstActivity?: Date;
  readonly lastActivity?: Date;
}

export interface ContentTypeStats {
  readonly contentType: ContentKind;
  readonly interactionCount: number;
  readonly viewCount: number;
  readonly clickCount: number;
  /** Clicks ÷ views; 0 without views. */
  readonly clickThroughRate: number;
}

/** The interaction store port. */
export interface InteractionStore {
  /** Up to `limit` of the user's interactions matching `filter`, strictly after `cursor`, newest first (ties by id desc). */
  page(userId: string, filter: InteractionFilter, cursor: HistoryCursor | undefined, limit: number): Promise<InteractionRecord[]>;
  analytics(userId: string): Promise<AnalyticsCounts>;
}

export interface HistoryQuery extends InteractionFilter {
  readonly pageSize: number;
  readonly pageToken: string;
}

/** A user's interaction history, paged with keyset cursors, and the engagement figures derived from it. */
export class InteractionHistory {
  constructor(
    private readonly store: InteractionStore,
    private readonly tokens: PageTokens,
  ) {}

  async list(userId: string, q: HistoryQuery): Promise<{ interactions: InteractionRecord[]; nextPageToken: string }> {
    validate(q);
    const filter: InteractionFilter = { contentType: q.contentType, interactionType: q.interactionType };
    const limit = q.pageSize === 0 ? DEFAULT_PAGE_SIZE : Math.min(q.pageSize, MAX_PAGE_SIZE);
    const cursor = q.pageToken ? this.tokens.decode(q.pageToken, userId, filter) : undefined;
    // One extra row tells whether a next page exists, so the last page carries no token.
    const rows = await this.store.page(userId, filter, cursor, limit + 1);
    const interactions = rows.slice(0, limit);
    const last = interactions[interactions.length - 1];
    const nextPageToken = rows.length > limit && last ? this.tokens.encode(userId, filter, last) : "";
    return { interactions, nextPageToken };
  }

  async analytics(userId: string): Promise<AnalyticsFigures> {
    const counts = await this.store.analytics(userId);
    const countOf = (match: (p: AnalyticsCounts["pairs"][number]) => boolean) =>
      counts.pairs.filter(match).reduce((sum, p) => sum + p.count, 0);
    const interactionCounts = INTERACTION_KINDS.map((interactionType) => ({
      interactionType,
      count: countOf((p) => p.interactionType === interactionType),
    })).filter((c) => c.count > 0);
    const contentTypeStats = CONTENT_KINDS.map((contentType): ContentTypeStats => {
      const viewCount = countOf((p) => p.contentType === contentType && p.interactionType === "view");
      const clickCount = countOf((p) => p.contentType === contentType && p.interactionType === "click");
      return {
        contentType,
        interactionCount: countOf((p) => p.contentType === contentType),
        viewCount,
        clickCount,
        clickThroughRate: viewCount === 0 ? 0 : clickCount / viewCount,
      };
    }).filter((s) => s.interactionCount > 0);
    return {
      totalInteractions: countOf(() => true),
      interactionCounts,
      contentTypeStats,
      topLikedTags: counts.topLikedTags,
      activeDays: counts.activeDays,
      firstActivity: counts.firstActivity,
      lastActivity: counts.lastActivity,
    };
  }
}

/** Every problem at once. Unknown kinds arrive from open proto enums as values outside the lists. */
function validate(q: HistoryQuery): void {
  const v = new Violations();
  if (!Number.isInteger(q.pageSize) || q.pageSize < 0) {
    v.add("page_size", `must be 0 (for the default of ${DEFAULT_PAGE_SIZE}) or a positive number; values above ${MAX_PAGE_SIZE} are read as ${MAX_PAGE_SIZE}`);
  }
  if (q.contentType !== undefined && !CONTENT_KINDS.includes(q.contentType)) {
    v.add("content_type", `is not a known content type; use ${CONTENT_KINDS.join(", ")}, or leave it unspecified for all`);
  }
  if (q.interactionType !== undefined && !INTERACTION_KINDS.includes(q.interactionType)) {
    v.add("interaction_type", `is not a known interaction type; use ${INTERACTION_KINDS.join(", ")}, or leave it unspecified for all`);
  }
  v.throwIfAny();
}
