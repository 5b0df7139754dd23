import { CONTENT_KINDS, type ContentKind, type InteractionKind } from "../content/kinds.js";
import type { ContentItemRecord, InteractionRecord } from "../content/records.js";
import { SharedItems } from "../content/shared-items.js";
import { DomainError, Violations } from "../errors.js";
import { pointViolations, type GeoPoint } from "../geo/geo-point.js";
import { encodeGeohash } from "../geo/geohash.js";
import { jobId, type JobPayloads, type JobQueue } from "../ports/job-queue.js";
import type { ListEvents } from "../ports/list-events.js";
import { LOCATION_BOUND_KINDS, type CacheKey, type RecommendationCache } from "../ports/recommendation-cache.js";
import type { UserLifecycleHooks } from "../users/hooks.js";
import type { ListPageTokens } from "./list-page-tokens.js";
import { DecodedLists } from "./decoded-lists.js";
import type { ListCodec, ListEntry, ListKey, RecommendationList, RecommendationStore } from "./lists.js";

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** Interactions that change what the user should see next: their cached lists become stale. */
const VERDICTS: ReadonlySet<InteractionKind> = new Set<InteractionKind>(["like", "dislike", "ignore"]);

export interface RecommendationSettings {
  /** How long a list stays in the cache (the database keeps it until it expires). */
  readonly cacheTtlMs: number;
  /** Geohash precision of the cells that key place and event lists. */
  readonly geohashPrecision: number;
  /** Delay that coalesces a burst of interactions into one analytics job. */
  readonly analyticsDelayMs: number;
  /** A watch re-reads the list this often even without an event (events are at-most-once). */
  readonly watchRecheckMs: number;
  /** Cache entries kept decoded for repeated hits (DecodedLists); 0 keeps none. */
  readonly memoLists: number;
}

export type ListAnswer =
  | { readonly status: "ready"; readonly source: "cache" | "database"; readonly list: RecommendationList }
  | { readonly status: "generating" };

export interface PageAnswer {
  readonly answer: ListAnswer;
  readonly entries: readonly ListEntry[];
  /** Empty on the last page and while generating. */
  readonly nextPageToken: string;
}

export interface ListQuery {
  readonly contentType?: ContentKind;
  /** Overrides the profile's location for places and events. */
  readonly location?: GeoPoint;
}

/** Where a list is for: the key, and the point its job ranks around (places and events only). */
interface Target {
  readonly key: ListKey;
  readonly point?: GeoPoint;
}

export interface RecommendationsDeps {
  readonly store: RecommendationStore;
  readonly cache: RecommendationCache;
  readonly codec: ListCodec;
  readonly queue: JobQueue;
  readonly events: ListEvents;
  readonly pageTokens: ListPageTokens;
  /** The profile's location, for place and event requests that carry none. */
  readonly profileLocation: (userId: string) => Promise<GeoPoint | undefined>;
  readonly settings: RecommendationSettings;
  readonly now?: () => Date;
  /** Cache hit or miss per lookup (metrics). */
  readonly onCacheLookup?: (contentType: ContentKind, hit: boolean) => void;
  /** A side effect failed after the caller's change was saved (the call still succeeds). */
  readonly onError?: (err: Error, what: string) => void;
}

/**
 * The request path of recommendations: the cache, then the stored list, else a generation job and
 * an immediate GENERATING answer. Lists are made by the worker (worker/generation); this side only
 * reads them, asks for them, and tells the worker when a user's taste changed.
 */
export class Recommendations {
  private readonly now: () => Date;
  private readonly decoded: DecodedLists;
  private readonly items = new SharedItems();
  /**
   * Next-page tokens by list object. A token is a pure function of the list's key and the offset, and
   * signing one (JSON, HMAC-SHA256, base64) took 1.6 % of the server's busy time in a profile of
   * repeated cache hits; a list held in memory now signs each of its pages once. Weak: a list dropped
   * from the memo (or erased with its user) takes its tokens with it.
   */
  private readonly pageTokensByList = new WeakMap<RecommendationList, Map<string, string>>();

  constructor(private readonly deps: RecommendationsDeps) {
    this.now = deps.now ?? (() => new Date());
    this.decoded = new DecodedLists(deps.settings.memoLists);
  }

  /** One page of the user's list; starts generation when there is none. */
  async page(userId: string, query: ListQuery & { pageSize?: number; pageToken?: string }): Promise<PageAnswer> {
    const v = new Violations();
    const pageSize = checkPageSize(query.pageSize, v);
    const target = await this.target(userId, query, v);
    const offset = query.pageToken ? this.deps.pageTokens.decode(query.pageToken, target.key) : 0;
    const answer = await this.current(target, true);
    if (answer.status !== "ready") return { answer, entries: [], nextPageToken: "" };
    const entries = answer.list.entries.slice(offset, offset + pageSize);
    const next = offset + pageSize < answer.list.entries.length ? this.pageToken(answer.list, target.key, offset + pageSize) : "";
    return { answer, entries, nextPageToken: next };
  }

  private pageToken(list: RecommendationList, key: ListKey, offset: number): string {
    let tokens = this.pageTokensByList.get(list);
    if (!tokens) this.pageTokensByList.set(list, (tokens = new Map()));
    // The whole key, not just the offset: nothing ties a list object to one key but the caller.
    const memoKey = `${key.userId}:${key.contentType}:${key.geohash}:${offset}`;
    let token = tokens.get(memoKey);
    if (token === undefined) tokens.set(memoKey, (token = this.deps.pageTokens.encode(key, offset)));
    return token;
  }

  /**
   * The current list, then the list again each time it is regenerated, until `signal` aborts.
   * The first answer may be GENERATING; later ones are always READY and always a new list.
   */
  async *watch(userId: string, query: ListQuery & { pageSize?: number }, signal: AbortSignal): AsyncGenerator<ListAnswer> {
    const v = new Violations();
    checkPageSize(query.pageSize, v);
    const target = await this.target(userId, query, v);
    const wake = new Wakeup();
    // Subscribed before the first read, so a list finished in between still wakes us.
    const unsubscribe = await this.deps.events.subscribe(userId, (event) => {
      if (event.contentType === target.key.contentType && (event.geohash ?? "") === target.key.geohash) wake.fire();
    });
    try {
      let first = await this.current(target, true);
      yield first;
      let shown = first.status === "ready" ? first.list.generatedAt.getTime() : undefined;
      while (!signal.aborted) {
        await wake.wait(this.deps.settings.watchRecheckMs, signal);
        if (signal.aborted) break;
        first = await this.current(target, false);
        if (first.status === "ready" && first.list.generatedAt.getTime() !== shown) {
          shown = first.list.generatedAt.getTime();
          yield first;
        }
      }
    } finally {
      await unsubscribe().catch((err: unknown) => this.report(err, "unsubscribe from list events"));
    }
  }

  /** Queues regeneration of the given content types (all four when empty); returns them. */
  async refresh(userId: string, query: { contentTypes: readonly (ContentKind | undefined)[]; location?: GeoPoint }): Promise<ContentKind[]> {
    const v = new Violations();
    query.contentTypes.forEach((t, i) => {
      if (t === undefined) v.add(`content_types[${i}]`, `must be one of ${CONTENT_KINDS.join(", ")}`);
    });
    const types = query.contentTypes.length === 0 ? [...CONTENT_KINDS] : [...new Set(query.contentTypes as ContentKind[])];
    if (query.location) for (const bad of pointViolations(query.location, "location")) v.add(bad.field, bad.description);
    v.throwIfAny();
    const profilePoint = types.some((t) => LOCATION_BOUND_KINDS.has(t)) && !query.location ? await this.deps.profileLocation(userId) : undefined;
    await Promise.all(types.map((contentType) => this.enqueue(this.targetAt(userId, contentType, query.location ?? profilePoint))));
    return types;
  }

  /** The user-domain hooks: a changed profile makes every list wrong; an erased account leaves no trace. */
  hooks(): UserLifecycleHooks {
    return {
      profileChanged: async (userId) => {
        // Stored lists first: a read between the two steps that found them (the cache already
        // invalidated) would cache an old-profile list at the new version, fresh.
        await this.sideEffect("delete stored lists after a profile change", () => this.deps.store.deleteUser(userId));
        await this.sideEffect("invalidate cached lists after a profile change", () => this.deps.cache.invalidateUser(userId));
        await this.sideEffect("queue regeneration after a profile change", () =>
          this.deps.queue.enqueue("refresh-user", { userId }, { jobId: jobId("refresh-user", userId) }),
        );
      },
      accountDeleted: async (userId) => {
        // The rows went with the account (foreign keys); the cache and this process's copies are all that is left.
        this.decoded.forgetUser(userId);
        await this.sideEffect("purge cached lists of a deleted account", () => this.deps.cache.invalidateUser(userId));
      },
    };
  }

  /**
   * After an interaction is stored: a verdict (like, dislike, ignore) makes the user's cached lists
   * stale before the call answers, so the next read reflects it, and queues that list's regeneration;
   * every interaction feeds popularity and click-through analytics (coalesced per user).
   */
  async interactionLogged(record: InteractionRecord, duplicate: boolean): Promise<void> {
    if (duplicate) return;
    if (VERDICTS.has(record.interactionType)) {
      await this.sideEffect("mark cached lists stale", () => this.deps.cache.markStale(record.userId));
      const here = record.latitude != null && record.longitude != null ? { latitude: record.latitude, longitude: record.longitude } : undefined;
      const point = LOCATION_BOUND_KINDS.has(record.contentType) && !here ? await this.profilePoint(record.userId) : here;
      void this.sideEffect("queue regeneration after a verdict", () => this.enqueue(this.targetAt(record.userId, record.contentType, point)));
    }
    void this.sideEffect("queue interaction analytics", () =>
      this.deps.queue.enqueue(
        "interaction-analytics",
        { userId: record.userId },
        { jobId: jobId("interaction-analytics", record.userId), delayMs: this.deps.settings.analyticsDelayMs },
      ),
    );
  }

  /** Cache, then database, else (when `start`) a generation job. Stale cache entries count as missing. */
  private async current(target: Target, start: boolean): Promise<ListAnswer> {
    const { key } = target;
    const cacheKey = toCacheKey(key);
    const now = this.now();
    const memoKey = DecodedLists.key(key);
    const held = this.decoded.get(memoKey);
    const { entry: cached, version } = await this.deps.cache.get(cacheKey, held?.tag);
    if (cached && !cached.stale) {
      // No bytes: they are the ones `held` was decoded from.
      const list = cached.value ? this.decode(memoKey, cached.tag, cached.value) : held?.tag === cached.tag ? held.list : undefined;
      if (list && list.expiresAt > now) {
        this.deps.onCacheLookup?.(key.contentType, true);
        return { status: "ready", source: "cache", list };
      }
    }
    this.deps.onCacheLookup?.(key.contentType, false);
    // A stale entry means the user changed something since the list was made; the stored list is at
    // least as old, so only a new list will do.
    if (!cached?.stale) {
      // The version read with the entry, before the stored list: an interaction since then makes the
      // list cached below stale.
      const found = await this.deps.store.find(key, now);
      if (found) {
        // An item already in a held list has its JSON memoised. Only looked up: this list lives for one call.
        const stored = this.withItems(found, (item) => this.items.held(item));
        const ttl = Math.min(this.deps.settings.cacheTtlMs, stored.expiresAt.getTime() - now.getTime());
        if (ttl >= 1) {
          await this.deps.cache.set(cacheKey, this.deps.codec.encode(stored), Math.floor(ttl), { version });
        }
        return { status: "ready", source: "database", list: stored };
      }
    }
    if (start) await this.enqueue(target);
    return { status: "generating" };
  }

  private decode(memoKey: string, tag: string, bytes: Uint8Array): RecommendationList | undefined {
    try {
      return this.decoded.decode(memoKey, tag, bytes, (b) => this.withItems(this.deps.codec.decode(b), (item) => this.items.share(item)));
    } catch (err) {
      this.report(err, "decode a cached list (treated as a miss)");
      return undefined;
    }
  }

  /** The list with each item replaced by `pick(item)` (the record this process holds for its version). */
  private withItems(list: RecommendationList, pick: (item: ContentItemRecord) => ContentItemRecord): RecommendationList {
    const entries = list.entries.map((e) => {
      const item = pick(e.item);
      return item === e.item ? e : { ...e, item };
    });
    return { ...list, entries };
  }

  private async enqueue(target: Target): Promise<void> {
    const { key, point } = target;
    const payload: JobPayloads["generate"] = {
      userId: key.userId,
      contentType: key.contentType,
      ...(key.geohash ? { geohash: key.geohash } : {}),
      ...(point ? { latitude: point.latitude, longitude: point.longitude } : {}),
    };
    try {
      await this.deps.queue.enqueue("generate", payload, { jobId: jobId("generate", key.userId, key.contentType, key.geohash) });
    } catch (err) {
      // The queue (Redis) is down or slow: nothing will make the list, so say "retry", not "generating".
      this.report(err, "queue a generation job");
      throw new DomainError("unavailable", "UNAVAILABLE", "the list cannot be generated right now (job queue unavailable); retry shortly", {
        retryAfterMs: 2_000,
      });
    }
  }

  private async target(userId: string, query: ListQuery, v: Violations): Promise<Target> {
    if (!query.contentType) v.add("content_type", `is required: one of ${CONTENT_KINDS.join(", ")}`);
    if (query.location) for (const bad of pointViolations(query.location, "location")) v.add(bad.field, bad.description);
    v.throwIfAny();
    const contentType = query.contentType!;
    const point = LOCATION_BOUND_KINDS.has(contentType) ? (query.location ?? (await this.profilePoint(userId))) : undefined;
    return this.targetAt(userId, contentType, point);
  }

  private targetAt(userId: string, contentType: ContentKind, point: GeoPoint | undefined): Target {
    if (!LOCATION_BOUND_KINDS.has(contentType) || !point) return { key: { userId, contentType, geohash: "" } };
    const geohash = encodeGeohash(point.latitude, point.longitude, this.deps.settings.geohashPrecision);
    return { key: { userId, contentType, geohash }, point };
  }

  private async profilePoint(userId: string): Promise<GeoPoint | undefined> {
    return this.deps.profileLocation(userId);
  }

  private async sideEffect(what: string, run: () => Promise<unknown>): Promise<void> {
    try {
      await run();
    } catch (err) {
      this.report(err, what);
    }
  }

  private report(err: unknown, what: string): void {
    this.deps.onError?.(err instanceof Error ? err : new Error(String(err)), what);
  }
}

function checkPageSize(size: number | undefined, v: Violations): number {
  const pageSize = size || DEFAULT_PAGE_SIZE;
  if (pageSize < 1 || pageSize > MAX_PAGE_SIZE) v.add("page_size", `must be between 1 and ${MAX_PAGE_SIZE} (0 means ${DEFAULT_PAGE_SIZE})`);
  return pageSize;
}

export function toCacheKey(key: ListKey): CacheKey {
  return { userId: key.userId, contentType: key.contentType, ...(key.geohash ? { geohash: key.geohash } : {}) };
}

/** A one-shot signal between a listener and a loop: fire() wakes the current or next wait(). */
class Wakeup {
  private fired = false;
  private resolve: (() => void) | undefined;

  fire(): void {
    this.fired = true;
    this.resolve?.();
  }

  async wait(timeoutMs: number, signal: AbortSignal): Promise<void> {
    if (!this.fired) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener("abort", done);
          this.resolve = undefined;
          resolve();
        };
        const timer = setTimeout(done, timeoutMs);
        signal.addEventListener("abort", done, { once: true });
        this.resolve = done;
      });
    }
    this.fired = false;
  }
}
