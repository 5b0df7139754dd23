import { describe, expect, it } from "vitest";
import { DecodedLists } from "../../../../server/domain/recommendations/decoded-lists.js";
import type { RecommendationList } from "../../../../server/domain/recommendations/lists.js";

const list = (userId: string): RecommendationList => ({ userId, contentType: "music", geohash: "", generatedAt: new Date(0), expiresAt: new Date(1), entries: [] });

/** A decoder that makes a new list for `userId` on each call, and counts its calls. */
function decoder(userId: string) {
  const made: RecommendationList[] = [];
  return {
    made,
    decode: () => {
      const l = list(userId);
      made.push(l);
      return l;
    },
  };
}

describe("DecodedLists", () => {
  it("answers the list held for a key only while the cache bytes are the very bytes it was decoded from", () => {
    const held = new DecodedLists(4);
    const d = decoder("a");
    const a = held.decode("k", new Uint8Array([1, 2, 3]), d.decode);
    expect(held.decode("k", new Uint8Array([1, 2, 3]), d.decode)).toBe(a);
    expect(d.made).toHaveLength(1);
    // A regenerated list of the same length, and one of another length: decode again.
    expect(held.decode("k", new Uint8Array([1, 2, 4]), d.decode)).not.toBe(a);
    expect(held.decode("k", new Uint8Array([1, 2]), d.decode)).not.toBe(a);
    expect(held.decode("other", new Uint8Array([1, 2, 3]), d.decode)).not.toBe(a);
    expect(d.made).toHaveLength(4);
  });

  it("holds at most its capacity, dropping the least recently used", () => {
    const held = new DecodedLists(2);
    const bytes = new Uint8Array([9]);
    const first = { a: held.decode("a", bytes, () => list("a")), b: held.decode("b", bytes, () => list("b")) };
    held.decode("a", bytes, () => list("a")); // a is now the most recent
    const c = held.decode("c", bytes, () => list("c"));
    expect(held.size).toBe(2);
    expect(held.decode("a", bytes, () => list("a"))).toBe(first.a);
    expect(held.decode("c", bytes, () => list("c"))).toBe(c);
    // Asked last: a miss holds the list it decodes, which would evict one of the two above.
    expect(held.decode("b", bytes, () => list("b"))).not.toBe(first.b);
  });

  it("holds nothing with a capacity of 0", () => {
    const held = new DecodedLists(0);
    const d = decoder("a");
    held.decode("k", new Uint8Array([1]), d.decode);
    expect(held.size).toBe(0);
    held.decode("k", new Uint8Array([1]), d.decode);
    expect(d.made).toHaveLength(2);
  });

  it("holds nothing for bytes that fail to decode", () => {
    const held = new DecodedLists(4);
    const bytes = new Uint8Array([1]);
    const good = held.decode("k", bytes, () => list("a"));
    expect(() =>
      held.decode("k", new Uint8Array([2]), () => {
        throw new Error("not a list");
      }),
    ).toThrow("not a list");
    expect(held.size).toBe(0);
    expect(held.decode("k", bytes, () => list("a"))).not.toBe(good);
  });

  it("forgets every list of an erased user and only theirs", () => {
    const held = new DecodedLists(8);
    const bytes = new Uint8Array([7]);
    const keyOf = (userId: string, geohash: string) => DecodedLists.key({ userId, contentType: "place", geohash });
    held.decode(keyOf("u1", ""), bytes, () => list("u1"));
    held.decode(keyOf("u1", "u09tv"), bytes, () => list("u1"));
    const kept = held.decode(keyOf("u10", ""), bytes, () => list("u10"));
    held.forgetUser("u1");
    expect(held.size).toBe(1);
    expect(held.decode(keyOf("u10", ""), bytes, () => list("u10"))).toBe(kept);
  });
});
