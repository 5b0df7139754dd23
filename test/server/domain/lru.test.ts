import { describe, expect, it } from "vitest";
import { Lru } from "../../../server/domain/lru.js";

describe("Lru", () => {
  it("forgets the least recently used entry first, a get counting as a use", () => {
    const lru = new Lru<string, number>(2);
    lru.set("a", 1);
    lru.set("b", 2);
    expect(lru.get("a")).toBe(1);
    lru.set("c", 3);
    expect([lru.get("a"), lru.get("b"), lru.get("c")]).toEqual([1, undefined, 3]);
    // Setting a held key again replaces its value and makes it the most recent.
    lru.set("a", 10);
    lru.set("d", 4);
    expect([lru.get("a"), lru.get("c"), lru.get("d")]).toEqual([10, undefined, 4]);
    expect(lru.size).toBe(2);
  });

  it("deletes one key or every key that matches", () => {
    const lru = new Lru<string, number>(8);
    for (const k of ["u1:a", "u1:b", "u10:a", "u2:a"]) lru.set(k, 1);
    lru.delete("u2:a");
    lru.deleteWhere((k) => k.startsWith("u1:"));
    expect(lru.size).toBe(1);
    expect(lru.get("u10:a")).toBe(1);
  });

  it("holds nothing at capacity 0 and refuses a capacity that is no integer ≥ 0", () => {
    const none = new Lru<string, number>(0);
    none.set("a", 1);
    expect(none.get("a")).toBeUndefined();
    expect(() => new Lru(-1)).toThrow(RangeError);
    expect(() => new Lru(1.5)).toThrow(RangeError);
  });
});
