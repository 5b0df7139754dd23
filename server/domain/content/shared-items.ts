import type { ContentItemRecord } from "./records.js";

/**
 * One record object per catalog item version, for lists this process holds. Every decoded list used
 * to carry its own copies of its items, and most of a list's heap is its items (a 50-item list held
 * about 70 KB), though the same popular items recur in many users' lists. Sharing them shrinks the
 * decoded-list memo by a third when an item is in two lists on average and by two thirds when it is in
 * twenty (bench/memo-memory.ts), with it the live heap that V8 sizes the old generation by, and lets
 * per-item memos (an item's cache JSON, its encoding) hit across lists.
 *
 * A version is the item's id and `updatedAt`: every catalog write (import, popularity) bumps
 * `updatedAt`, which is also how workers notice a changed item. Held weakly: an item no list refers
 * to any more is collected, and its slot with it.
 */
export class SharedItems {
  private readonly byVersion = new Map<string, WeakRef<ContentItemRecord>>();
  private readonly slots = new FinalizationRegistry<string>((key) => {
    // The key may hold a newer record by now; only an empty slot goes.
    if (this.byVersion.get(key)?.deref() === undefined) this.byVersion.delete(key);
  });

  /** The record held for this version of the item, or `item` itself, held from now on. */
  share(item: ContentItemRecord): ContentItemRecord {
    const key = versionKey(item);
    if (key === undefined) return item;
    const held = this.byVersion.get(key)?.deref();
    if (held) return held;
    this.byVersion.set(key, new WeakRef(item));
    this.slots.register(item, key);
    return item;
  }

  /**
   * The record held for this version of the item, or `item` itself, without holding it: for records
   * that live for one call. V8 keeps the target of a weak reference through every young-generation
   * collection, so holding each call's records would move them all to the old generation.
   */
  held(item: ContentItemRecord): ContentItemRecord {
    const key = versionKey(item);
    return (key === undefined ? undefined : this.byVersion.get(key)?.deref()) ?? item;
  }

  /** Item versions with a slot (collected ones included until their slot is cleared). */
  get size(): number {
    return this.byVersion.size;
  }
}

function versionKey(item: ContentItemRecord): string | undefined {
  const version = item.updatedAt.getTime();
  return Number.isNaN(version) ? undefined : `${item.id}@${version}`;
}
