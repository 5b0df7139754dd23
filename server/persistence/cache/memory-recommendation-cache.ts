import {
  cacheKeyString,
  checkTtl,
  checkVersion,
  checkUserId,
  entryTag,
  type CacheKey,
  type CacheRead,
  type CacheSetOptions,
  type RecommendationCache,
  type RecommendationCacheOptions,
} from "../../domain/ports/recommendation-cache.js";

/** Same reasoning as the Redis adapter: a bumped version must outlive the jobs that read the old one. */
const VERSION_MIN_TTL_MS = 24 * 60 * 60 * 1000;

interface Entry {
  readonly userId: string;
  readonly value: Uint8Array;
  readonly tag: string;
  readonly version: number;
  readonly expiresAt: number;
}

interface Version {
  value: number;
  expiresAt: number;
}

export interface MemoryRecommendationCacheOptions extends RecommendationCacheOptions {
  /** Least recently used entries are evicted beyond this many (default 10,000). */
  readonly maxEntries?: number;
  /** … or beyond this many bytes of values (default 64 MiB); a single larger value is not cached. */
  readonly maxBytes?: number;
}

/**
 * The cache of the embedded default (one process, no Redis), with the Redis adapter's semantics.
 * A Map's insertion order is the recency order: a hit re-inserts its entry, eviction takes from the
 * front. Expired entries go when touched, when evicted, and in a sweep run after as many writes as
 * there are entries (amortised O(1) per write), so memory follows the live set, not the history.
 */
export class MemoryRecommendationCache implements RecommendationCache {
  private readonly entries = new Map<string, Entry>();
  private readonly userKeys = new Map<string, Set<string>>();
  private readonly versions = new Map<string, Version>();
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private bytes = 0;
  private writesSinceSweep = 0;

  constructor(options: MemoryRecommendationCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 10_000;
    this.maxBytes = options.maxBytes ?? 64 * 2 ** 20;
  }

  async get(key: CacheKey, held?: string): Promise<CacheRead> {
    const k = cacheKeyString(key);
    const now = Date.now();
    const version = this.currentVersion(key.userId, now);
    const entry = this.entries.get(k);
    if (!entry) return { version };
    if (entry.expiresAt <= now) {
      this.remove(k, entry);
      return { version };
    }
    this.entries.delete(k);
    this.entries.set(k, entry);
    const stale = entry.version < version;
    return { entry: held === entry.tag ? { tag: entry.tag, stale } : { value: entry.value, tag: entry.tag, stale }, version };
  }

  async set(key: CacheKey, value: Uint8Array, ttlMs: number, options?: CacheSetOptions): Promise<void> {
    const k = cacheKeyString(key);
    checkTtl(ttlMs);
    checkVersion(options?.version);
    const now = Date.now();
    if (++this.writesSinceSweep >= Math.max(1024, this.entries.size)) this.sweep(now);
    const version = options?.version ?? this.currentVersion(key.userId, now);
    const stored = this.entries.get(k);
    if (stored) {
      if (stored.expiresAt > now && stored.version > version) return;
      this.remove(k, stored);
    }
    if (value.byteLength > this.maxBytes) return;
    const entry: Entry = { userId: key.userId, value, tag: entryTag(value), version, expiresAt: now + ttlMs };
    this.entries.set(k, entry);
    this.bytes += value.byteLength;
    let keys = this.userKeys.get(key.userId);
    if (!keys) {
      keys = new Set();
      this.userKeys.set(key.userId, keys);
    }
    keys.add(k);
    const v = this.versions.get(key.userId);
    if (v) v.expiresAt = Math.max(v.expiresAt, entry.expiresAt + VERSION_MIN_TTL_MS);
    this.evict();
  }

  async userVersion(userId: string): Promise<number> {
    checkUserId(userId);
    return this.currentVersion(userId, Date.now());
  }

  async markStale(userId: string): Promise<void> {
    checkUserId(userId);
    this.bump(userId, Date.now());
  }

  async invalidateUser(userId: string): Promise<number> {
    checkUserId(userId);
    const now = Date.now();
    let removed = 0;
    for (const k of this.userKeys.get(userId) ?? []) {
      const entry = this.entries.get(k)!;
      if (entry.expiresAt > now) removed++;
      this.remove(k, entry);
    }
    this.bump(userId, now);
    return removed;
  }

  /** Entries held, expired or not; for tests of the bounds. */
  get size(): number {
    return this.entries.size;
  }

  private currentVersion(userId: string, now: number): number {
    const v = this.versions.get(userId);
    if (!v) return 0;
    if (v.expiresAt > now) return v.value;
    this.versions.delete(userId);
    return 0;
  }

  private bump(userId: string, now: number): void {
    let longest = now;
    for (const k of this.userKeys.get(userId) ?? []) longest = Math.max(longest, this.entries.get(k)!.expiresAt);
    this.versions.set(userId, { value: this.currentVersion(userId, now) + 1, expiresAt: longest + VERSION_MIN_TTL_MS });
  }

  private remove(k: string, entry: Entry): void {
    this.entries.delete(k);
    this.bytes -= entry.value.byteLength;
    const keys = this.userKeys.get(entry.userId);
    keys?.delete(k);
    if (keys?.size === 0) this.userKeys.delete(entry.userId);
  }

  private evict(): void {
    for (const [k, entry] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.bytes <= this.maxBytes) return;
      this.remove(k, entry);
    }
  }

  private sweep(now: number): void {
    this.writesSinceSweep = 0;
    for (const [k, entry] of this.entries) if (entry.expiresAt <= now) this.remove(k, entry);
    for (const [userId, v] of this.versions) if (v.expiresAt <= now) this.versions.delete(userId);
  }
}
