import { describe, expect, it } from "vitest";
import { DecodedLists } from "../../../../server/domain/recommendations/decoded-lists.js";
import type { RecommendationList } from "../../../../server/domain/recommendations/lists.js";

const list = (userId: string): RecommendationList => ({ userId, contentType: "music", geohash: "", generatedAt: new Date(0), expiresAt: new Date(1), entries: [] });
const bytes = new Uint8Array([1, 2, 3]);

describe("DecodedLists", () => {
  it("holds what it decoded under its key with the tag of the bytes", () => {
    const held = new DecodedLists(4);
    let calls = 0;
    const a = held.decode("k", "t1", bytes, () => (calls++, list("a")));
    expect(held.get("k")).toEqual({ tag: "t1", list: a });
    expect(held.get("other")).toBeUndefined();
    // Decoding again for the key replaces what it held.
    const b = held.decode("k", "t2", bytes, () => (calls++, list("a")));
    expect(b).not.toBe(a);
    expect(held.get("k")).toEqual({ tag: "t2", list: b });
    expect(calls).toBe(2);
  });

  it("holds at most its capacity, dropping the least recently used", () => {
    const held = new DecodedLists(2);
    held.decode("a", "t", bytes, () => list("a"));
    held.decode("b", "t", bytes, () => list("b"));
    held.get("a"); // a is now the most recent
    held.decode("c", "t", bytes, () => list("c"));
    expect(held.size).toBe(2);
    expect(held.get("a")).toBeDefined();
    expect(held.get("b")).toBeUndefined();
    expect(held.get("c")).toBeDefined();
  });

  it("holds nothing with a capacity of 0", () => {
    const held = new DecodedLists(0);
    held.decode("k", "t", bytes, () => list("a"));
    expect(held.size).toBe(0);
    expect(held.get("k")).toBeUndefined();
  });

  it("holds nothing for bytes that fail to decode, not even the list held before", () => {
    const held = new DecodedLists(4);
    held.decode("k", "t1", bytes, () => list("a"));
    expect(() =>
      held.decode("k", "t2", bytes, () => {
        throw new Error("not a list");
      }),
    ).toThrow("not a list");
    expect(held.get("k")).toBeUndefined();
  });

  it("forgets every list of an erased user and only theirs", () => {
    const held = new DecodedLists(8);
    const keyOf = (userId: string, geohash: string) => DecodedLists.key({ userId, contentType: "place", geohash });
    held.decode(keyOf("u1", ""), "t", bytes, () => list("u1"));
    held.decode(keyOf("u1", "u09tv"), "t", bytes, () => list("u1"));
    const kept = held.decode(keyOf("u10", ""), "t", bytes, () => list("u10"));
    held.forgetUser("u1");
    expect(held.size).toBe(1);
    expect(held.get(keyOf("u10", ""))?.list).toBe(kept);
  });
});
