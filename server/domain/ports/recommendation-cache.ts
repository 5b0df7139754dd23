import { createHash } from "node:crypto";
import type { ContentKind } from "../content/kinds.js";
import { isGeohash } from "../geo/geohash.js";

/** Kinds whose lists depend on where the traveller is; only their cache keys carry a geohash. */
export const LOCATION_BOUND_KINDS: ReadonlySet<ContentKind> = new Set<ContentKind>(["place", "event"]);

/** Which list: one per user and content type, and for places and events one per geohash cell. */
export interface CacheKey {
  readonly userId: string;
  readonly contentType: ContentKind;
  /** The cell the list was ranked for; ignored for music and movies, optional when the user has no location. */
  readonly geohash?: string;
}

/** A cached list and whether something happened to the user since it was computed. */
export interface CachedList {
  /**
   * The encoded list. Shared with the cache: never mutate it. Absent when the caller said it holds
   * the bytes of this `tag` already (`get`'s `held`), so an unchanged list is not sent again.
   */
  readonly value?: Uint8Array;
  /** Names the bytes: a digest of them, taken when they were written (`entryTag`). */
  readonly tag: string;
  /** True once `markStale` or `invalidateUser` ran after the version the list was computed at. */
  readonly stale: boolean;
}

/** What `get` read: the entry, when there is one, and the user's version read with it. */
export interface CacheRead {
  readonly entry?: CachedList;
  /**
   * The user's version (as `userVersion` answers) at the read: a list read from elsewhere after this
   * call is cached with it, so a `markStale` in between makes that write stale.
   */
  readonly version: number;
}

export interface CacheSetOptions {
  /**
   * The user's version (from `userVersion`, or the one `get` answered) read before computing the list. Defaults to the version at
   * write time, which hides an interaction that arrived while the list was being computed.
   */
  readonly version?: number;
}

/**
 * The per-user cache of encoded recommendation lists, in front of the database and the generation
 * queue. Staleness is a per-user version counter, not a clock: `markStale` bumps it, every entry
 * remembers the version it was computed at, and entries behind the current version come back
 * `stale: true` (serve them, and queue a refresh). A write with an older version than the stored
 * entry's is dropped, so a slow job never overwrites a list from a newer one.
 *
 * `get`, `set` and `userVersion` fail soft: a store error is a miss (at version 0), a skipped write or version 0
 * (every cached list then looks stale, the safe direction), reported through the adapter's `onError`.
 * `markStale` and `invalidateUser` reject on a store error, because swallowing one would keep
 * serving lists the user has just changed or erased.
 */
export interface RecommendationCache {
  /** `held`: the tag of bytes the caller holds; when it is the entry's, the entry comes without its value. */
  get(key: CacheKey, held?: string): Promise<CacheRead>;
  /** `ttlMs` is a positive integer; values are treated as immutable bytes. */
  set(key: CacheKey, value: Uint8Array, ttlMs: number, options?: CacheSetOptions): Promise<void>;
  /** The user's current version, to pass to `set` after computing a list. */
  userVersion(userId: string): Promise<number>;
  /** Every list of the user cached so far becomes stale; lists written later with a newer version are fresh. */
  markStale(userId: string): Promise<void>;
  /** Removes every list of the user and bumps the version; resolves with the number of live entries removed. */
  invalidateUser(userId: string): Promise<number>;
}

/** Options every adapter takes. */
export interface RecommendationCacheOptions {
  /** Store errors swallowed by the fail-soft operations (log or count them here). */
  readonly onError?: (err: Error) => void;
}

/**
 * `prefetch:{userId}:{contentType}`, plus `:{geohash}` for places and events located by the caller.
 * User ids may not contain `:` so that no two keys collide; geohashes must be valid.
 */
export function cacheKeyString(key: CacheKey): string {
  checkUserId(key.userId);
  const base = `prefetch:${key.userId}:${key.contentType}`;
  if (!LOCATION_BOUND_KINDS.has(key.contentType) || key.geohash === undefined) return base;
  if (!isGeohash(key.geohash)) throw new RangeError(`invalid geohash in cache key: ${JSON.stringify(key.geohash)}`);
  return `${base}:${key.geohash}`;
}

export function checkUserId(userId: string): void {
  if (userId.length === 0 || /[:\s]/.test(userId)) throw new RangeError(`invalid user id in cache key: ${JSON.stringify(userId)}`);
}

export function checkVersion(version: number | undefined): void {
  if (version !== undefined && !(Number.isSafeInteger(version) && version >= 0)) throw new RangeError(`cache version must be an integer ≥ 0: ${version}`);
}

export function checkTtl(ttlMs: number): void {
  if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) throw new RangeError(`cache TTL must be a positive integer of ms: ${ttlMs}`);
}

/** Length of an entry's tag (`entryTag`). */
export const ENTRY_TAG_CHARS = 32;

/**
 * The tag of an entry's bytes: 128 bits of their SHA-256 as 32 hex digits. Taken once by the writer,
 * so a reader holding a decoded list learns that it is still current without receiving or hashing
 * the bytes again.
 */
export function entryTag(value: Uint8Array): string {
  return createHash("sha256").update(value).digest("hex").slice(0, ENTRY_TAG_CHARS);
}
