import type { ContentKind } from "../content/kinds.js";
import type { ContentItemRecord } from "../content/records.js";

/** One ranked item of a stored list, with the item itself (lists are served without a second read). */
export interface ListEntry {
  /** The recommendation's id, which LogInteraction accepts. */
  readonly id: string;
  readonly item: ContentItemRecord;
  readonly relevanceScore: number;
  /** 1-based. */
  readonly rankingPosition: number;
  readonly reasons: readonly string[];
  readonly distanceKm?: number;
}

/** A user's generated list of one content type (and, for places and events, one geohash cell). */
export interface RecommendationList {
  readonly userId: string;
  readonly contentType: ContentKind;
  /** The cell the list was ranked for; empty when it was ranked without a location. */
  readonly geohash: string;
  readonly generatedAt: Date;
  readonly expiresAt: Date;
  /** Best first. */
  readonly entries: readonly ListEntry[];
}

/** Which stored list: the database and the cache agree on this key. */
export interface ListKey {
  readonly userId: string;
  readonly contentType: ContentKind;
  readonly geohash: string;
}

/**
 * Stored lists (`content_recommendations`). Writes replace a whole list in one transaction, so a
 * reader sees the old list or the new one, never a mix or a half.
 */
export interface RecommendationStore {
  /** The list for `key` unless it expired by `now`; entries whose item was deleted are left out. */
  find(key: ListKey, now: Date): Promise<RecommendationList | undefined>;
  /**
   * Replaces the list for the list's key atomically. False, storing nothing, when the user was deleted
   * meanwhile, or when `basis` (the profile's `updatedAt` the list was ranked from) is older than the
   * stored profile: a profile change deletes the user's lists, and a job that read the profile before
   * the change must not put its list back.
   */
  replace(list: RecommendationList, basis?: Date): Promise<boolean>;
  /** Deletes every stored list of the user (a profile change makes them all wrong). */
  deleteUser(userId: string): Promise<number>;
  /** Deletes rows that expired before `before`; returns how many. */
  deleteExpired(before: Date): Promise<number>;
  /** Keys of lists expiring between now and `until` whose user interacted since `activeSince`. */
  expiringForActiveUsers(until: Date, activeSince: Date, limit: number): Promise<ListKey[]>;
}

/** Encodes lists for the cache; the cache holds opaque bytes. */
export interface ListCodec {
  encode(list: RecommendationList): Uint8Array;
  decode(bytes: Uint8Array): RecommendationList;
}
