import { Lru } from "../lru.js";
import type { ListKey, RecommendationList } from "./lists.js";

/** A decoded list and the tag of the cache bytes it was decoded from. */
export interface HeldList {
  readonly tag: string;
  readonly list: RecommendationList;
}

/**
 * The lists this process decoded lately, by cache key, with the tag of the bytes they came from
 * (least recently used out first). A hit passes the held tag to the cache, which then answers
 * without the bytes when they have not changed: the list decoded then is answered again, with no
 * transfer, hashing or decoding of its 40 KB. The same list object also lets the transport reuse
 * what it encoded from it.
 */
export class DecodedLists {
  private readonly held: Lru<string, HeldList>;

  constructor(capacity: number) {
    this.held = new Lru(capacity);
  }

  /** The memo key of a list: its user first, so forgetUser can find it. */
  static key(list: ListKey): string {
    return `${list.userId}:${list.contentType}:${list.geohash}`;
  }

  /** The list held for `key`, if any (now the most recently used). */
  get(key: string): HeldList | undefined {
    return this.held.get(key);
  }

  /** `decode(bytes)`, held under `key` with `tag` (a throwing `decode` leaves nothing held for `key`). */
  decode(key: string, tag: string, bytes: Uint8Array, decode: (bytes: Uint8Array) => RecommendationList): RecommendationList {
    this.held.delete(key);
    const list = decode(bytes);
    this.held.set(key, { tag, list });
    return list;
  }

  /** Drops every list of the user (an erased account leaves no copy behind). */
  forgetUser(userId: string): void {
    const prefix = `${userId}:`;
    this.held.deleteWhere((key) => key.startsWith(prefix));
  }

  get size(): number {
    return this.held.size;
  }
}
