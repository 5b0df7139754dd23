import { describe, expect, it } from "vitest";
import { DecodedLists } from "../../../../server/domain/recommendations/decoded-lists.js";
import type { RecommendationList } from "../../../../server/domain/recommendations/lists.js";

const list = (userId: string): RecommendationList => ({ userId, contentType: "music", geohash: "", generatedAt: new Date(0), expiresAt: new Date(1), entries: [] });

describe("DecodedLists", () => {
  it("answers the list held for a key only while the cache bytes are the very bytes it was decoded from", () => {
    const held = new DecodedLists(4);
    const a = list("a");
    held.set("k", new Uint8Array([1, 2, 3]), a);
    expect(held.get("k", new Uint8Array([1, 2, 3]))).toBe(a);
    // A regenerated list of the same length, and one of another length: decode again.
    expect(held.get("k", new Uint8Array([1, 2, 4]))).toBeUndefined();
    expect(held.get("k", new Uint8Array([1, 2]))).toBeUndefined();
    expect(held.get("other", new Uint8Array([1, 2, 3]))).toBeUndefined();
  });

  it("holds at most its capacity, dropping the least recently used", () => {
    const held = new DecodedLists(2);
    const bytes = new Uint8Array([9]);
    held.set("a", bytes, list("a"));
    held.set("b", bytes, list("b"));
    held.get("a", bytes); // a is now the most recent
    held.set("c", bytes, list("c"));
    expect(held.size).toBe(2);
    expect(held.get("b", bytes)).toBeUndefined();
    expect(held.get("a", bytes)?.userId).toBe("a");
    expect(held.get("c", bytes)?.userId).toBe("c");
  });

  it("holds nothing with a capacity of 0", () => {
    const held = new DecodedLists(0);
    held.set("k", new Uint8Array([1]), list("a"));
    expect(held.size).toBe(0);
    expect(held.get("k", new Uint8Array([1]))).toBeUndefined();
  });

  it("forgets every list of an erased user and only theirs", () => {
    const held = new DecodedLists(8);
    const bytes = new Uint8Array([7]);
    const keyOf = (userId: string, geohash: string) => DecodedLists.key({ userId, contentType: "place", geohash });
    held.set(keyOf("u1", ""), bytes, list("u1"));
    held.set(keyOf("u1", "u09tv"), bytes, list("u1"));
    held.set(keyOf("u10", ""), bytes, list("u10"));
    held.forgetUser("u1");
    expect(held.size).toBe(1);
    expect(held.get(keyOf("u10", ""), bytes)?.userId).toBe("u10");
  });
});
