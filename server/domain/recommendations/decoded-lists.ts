import { createHash } from "node:crypto";
import { Lru } from "../lru.js";
import type { ListKey, RecommendationList } from "./lists.js";

/**
 * The lists this process decoded lately, by cache key, with a digest of the bytes they came from. A
 * cache hit still reads the bytes from the cache (the entry may have changed), but when their digest
 * equals the one decoded last time for that key, the list decoded then is answered again: hashing
 * 40 KB costs ~30 µs, decoding it a tenth of a cache hit's CPU. The same list object also lets the
 * transport reuse what it encoded from it. A digest, not the bytes: they would be a third of the memory
 * a held list costs. Least recently used out first.
 */
export class DecodedLists {
  private readonly held: Lru<string, { readonly digest: Buffer; readonly list: RecommendationList }>;

  constructor(private readonly capacity: number) {
    this.held = new Lru(capacity);
  }

  /** The memo key of a list: its user first, so forgetUser can find it. */
  static key(list: ListKey): string {
    return `${list.userId}:${list.contentType}:${list.geohash}`;
  }

  /**
   * The list the bytes held for `key` decode to: the one held when their digest matches, else
   * `decode(bytes)`, which is then held (a throwing `decode` leaves nothing held).
   */
  decode(key: string, bytes: Uint8Array, decode: (bytes: Uint8Array) => RecommendationList): RecommendationList {
    if (this.capacity === 0) return decode(bytes);
    const digest = digestOf(bytes);
    const entry = this.held.get(key);
    if (entry?.digest.equals(digest)) return entry.list;
    this.held.delete(key);
    const list = decode(bytes);
    this.held.set(key, { digest, list });
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

function digestOf(bytes: Uint8Array): Buffer {
  return createHash("sha256").update(bytes).digest();
}
