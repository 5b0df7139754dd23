import type { ContentKind } from "../../server/domain/content/kinds.js";
import { nameUuid } from "../../server/domain/ids.js";
import { Lru } from "../../server/domain/lru.js";
import type { ContentItemRecord, InteractionRecord } from "../../server/domain/content/records.js";
import type { GeoPoint, ProfileRecord } from "../../server/domain/users/profile.js";
import type { JobPayloads } from "../../server/domain/ports/job-queue.js";
import type { ListEvents } from "../../server/domain/ports/list-events.js";
import type { RecommendationCache } from "../../server/domain/ports/recommendation-cache.js";
import type { ListCodec, RecommendationList } from "../../server/domain/recommendations/lists.js";
import { toCacheKey } from "../../server/domain/recommendations/recommendations.js";
import type { ItemSimilarity } from "../engine/item-similarity.js";
import { foldInUser } from "../engine/mf/fold-in.js";
import type { MfModel } from "../engine/mf/model.js";
import { rank } from "../engine/rank.js";
import { buildUserModel } from "../engine/user-model.js";
import type { CatalogIndexes } from "./catalog-indexes.js";

export interface GenerationSettings {
  /** Items per stored list (pages are cut from it). */
  readonly listSize: number;
  /** How long a stored list is served before it is regenerated. */
  readonly listTtlMs: number;
  readonly cacheTtlMs: number;
  /** Latest interactions of the user that shape the list. */
  readonly historyLimit: number;
}

/** One read of a user: their profile and latest history, and their cache version read before them. */
export interface UserRead {
  readonly version: number;
  readonly profile: ProfileRecord;
  readonly history: { interactions: InteractionRecord[]; items: ContentItemRecord[] };
}

/** What generation reads about a user. */
export interface UserSignals {
  profile(userId: string): Promise<ProfileRecord | undefined>;
  /** `held`: items already in memory, which need no read. */
  history(
    userId: string,
    limit: number,
    held?: (itemId: string) => ContentItemRecord | undefined,
  ): Promise<{ interactions: InteractionRecord[]; items: ContentItemRecord[] }>;
}

export interface GeneratorDeps {
  readonly indexes: CatalogIndexes;
  readonly signals: UserSignals;
  readonly similarity: () => Promise<ItemSimilarity | undefined>;
  /** The trained MF model, if any; each user's vector is folded in from their history as they rank. */
  readonly mf?: () => Promise<MfModel | undefined>;
  /** `replace` resolves false, storing nothing, when the user was deleted or their profile changed since `basis`. */
  readonly store: { replace(list: RecommendationList, basis?: Date): Promise<boolean> };
  readonly cache: RecommendationCache;
  readonly codec: ListCodec;
  readonly events: ListEvents;
  readonly settings: GenerationSettings;
  readonly cityOf?: (point: GeoPoint) => string | undefined;
  readonly now?: () => Date;
  /** Publishing "list ready" failed (the list is stored; watchers find it on their next re-read). */
  readonly onError?: (err: Error, what: string) => void;
}

/** Runs before each attempt; a change of the user's cache version while ranking means: rank again. */
const MAX_ROUNDS = 3;
/** Users whose folded-in MF vector is kept (a refresh ranks four lists from one history). */
const FOLD_IN_MEMO = 1_000;

/**
 * Makes one user's list of one content type with the engine and stores it: database first (one
 * transaction replaces the old list), then the cache, then a "list ready" event. When the user did
 * something while the list was being made (their cache version moved), the list is made again, so
 * a coalesced job never leaves a list that misses the latest like or dislike.
 */
export class Generator {
  private readonly now: () => Date;
  /** Per model: user → their positives' signature and the vector folded in from them. */
  private readonly foldIns = new WeakMap<MfModel, Lru<string, { signature: string; vector: Float32Array }>>();

  constructor(private readonly deps: GeneratorDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * `given`: the user's read when the caller already has it (a refresh ranks four lists from one
   * read); used for the first round only, since a later round means the user changed meanwhile.
   */
  async generate(job: JobPayloads["generate"], given?: UserRead): Promise<RecommendationList | undefined> {
    let list: RecommendationList | undefined;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const read = round === 0 && given ? given : await this.readUser(job.userId);
      // No profile row: the account is gone (every account has one from registration on).
      if (!read) return undefined;
      const ranked = await this.rankList(job, read);
      // Refused: the profile changed since it was read (or the account went): read again.
      if (!(await this.deps.store.replace(ranked, read.profile.updatedAt))) continue;
      list = ranked;
      const ttl = Math.min(this.deps.settings.cacheTtlMs, this.deps.settings.listTtlMs);
      // The version read before the user's data: an interaction since then (even one before a
      // shared read was handed to this call) fails the check and the list is made again.
      await this.deps.cache.set(toCacheKey(list), this.deps.codec.encode(list), ttl, { version: read.version });
      if ((await this.deps.cache.userVersion(job.userId)) === read.version) break;
    }
    if (list) await this.publish(list);
    return list;
  }

  /**
   * Reads what ranking needs of a user: their cache version first, then their profile and history.
   * The history's items come from the catalog indexes when they hold them (the same records the
   * lists are made of); only items the indexes do not know yet are read.
   */
  async readUser(userId: string): Promise<UserRead | undefined> {
    const version = await this.deps.cache.userVersion(userId);
    const [profile, history] = await Promise.all([
      this.deps.signals.profile(userId),
      this.deps.signals.history(userId, this.deps.settings.historyLimit, (itemId) => this.deps.indexes.held(itemId)),
    ]);
    return profile ? { version, profile, history } : undefined;
  }

  private async rankList(job: JobPayloads["generate"], read: UserRead): Promise<RecommendationList> {
    const { userId, contentType } = job;
    const [index, similarity, mf] = await Promise.all([this.deps.indexes.get(contentType), this.deps.similarity(), this.deps.mf?.()]);
    const { profile, history } = read;
    const now = this.now();
    const user = buildUserModel({
      contentType,
      profile,
      interactions: history.interactions,
      items: history.items,
      now,
      ...(this.deps.cityOf ? { cityOf: this.deps.cityOf } : {}),
    });
    const location = job.latitude !== undefined && job.longitude !== undefined ? { latitude: job.latitude, longitude: job.longitude } : undefined;
    const ranked = rank({
      contentType,
      index,
      user,
      ...(similarity ? { similarity } : {}),
      ...(mf ? { mf: { model: mf, userVector: this.userVector(mf, userId, user.positives) } } : {}),
      ...(location ? { location } : {}),
      now,
      limit: this.deps.settings.listSize,
    });
    const expiresAt = new Date(now.getTime() + this.deps.settings.listTtlMs);
    return {
      userId,
      contentType: contentType as ContentKind,
      geohash: job.geohash ?? "",
      generatedAt: now,
      expiresAt,
      entries: ranked.recommendations.map((r) => {
        const position = index.position(r.itemId)!;
        return {
          // Stable across regenerations: a client still showing the previous list can log an
          // interaction with its recommendation id as long as the item is still recommended.
          id: nameUuid(`recommendation:${userId}:${contentType}:${job.geohash ?? ""}:${r.itemId}`),
          item: index.items[position]!,
          relevanceScore: r.relevanceScore,
          rankingPosition: r.rankingPosition,
          reasons: r.reasons,
          ...(r.distanceKm !== undefined ? { distanceKm: r.distanceKm } : {}),
        };
      }),
    };
  }

  /**
   * The user's MF vector, folded in once for the positives it came from: every content type's list
   * folds in the same items (positives span all types), so a refresh pays for one solve, not four.
   */
  private userVector(model: MfModel, userId: string, positives: readonly { itemId: string; weight: number }[]): Float32Array {
    let memo = this.foldIns.get(model);
    if (!memo) this.foldIns.set(model, (memo = new Lru(FOLD_IN_MEMO)));
    // Weights to 3 decimals: the decay between a refresh's four rankings must not defeat the memo.
    const signature = positives.map((p) => `${p.itemId}:${p.weight.toFixed(3)}`).join(",");
    const held = memo.get(userId);
    if (held?.signature === signature) return held.vector;
    const vector = foldInUser(model, positives);
    memo.set(userId, { signature, vector });
    return vector;
  }

  private async publish(list: RecommendationList): Promise<void> {
    try {
      await this.deps.events.publish({
        userId: list.userId,
        contentType: list.contentType,
        ...(list.geohash ? { geohash: list.geohash } : {}),
        generatedAt: list.generatedAt.getTime(),
      });
    } catch (err) {
      this.deps.onError?.(err instanceof Error ? err : new Error(String(err)), "publish list ready");
    }
  }
}
