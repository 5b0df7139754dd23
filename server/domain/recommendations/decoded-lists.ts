import type { RecommendationList } from "./lists.js";

/**
 * The lists this process decoded lately, by cache key, with the bytes they came from. A cache hit
 * still reads the bytes from the cache (the entry may have changed), but when they equal the bytes
 * decoded last time for that key, the list decoded then is answered again: comparing 30 KB costs
 * microseconds, decoding it a good share of a cache hit's CPU. Least recently used out first.
 */
export class DecodedLists {
  private readonly held = new Map<string, { readonly bytes: Uint8Array; readonly list: RecommendationList }>();

  constructor(private readonly capacity: number) {}

  get(key: string, bytes: Uint8Array): RecommendationList | undefined {
    const entry = this.held.get(key);
    if (!entry || !equalBytes(entry.bytes, bytes)) return undefined;
    this.held.delete(key);
    this.held.set(key, entry);
    return entry.list;
  }

  set(key: string, bytes: Uint8Array, list: RecommendationList): void {
    this.held.delete(key);
    this.held.set(key, { bytes, list });
    if (this.held.size > this.capacity) this.held.delete(this.held.keys().next().value!);
  }

  get size(): number {
    return this.held.size;
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
