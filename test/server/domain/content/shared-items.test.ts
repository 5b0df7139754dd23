import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import type { ContentItemRecord } from "../../../../server/domain/content/records.js";
import { SharedItems } from "../../../../server/domain/content/shared-items.js";

const T = new Date("2026-11-28T12:00:00Z");
const record = (id: string, updatedAt = T, title = "Fado night"): ContentItemRecord => ({
  id,
  contentType: "event",
  externalId: `x-${id}`,
  title,
  description: "",
  tags: [],
  metadata: {},
  popularity: 0,
  createdAt: T,
  updatedAt,
});

describe("SharedItems", () => {
  it("answers the first record of an item version for every later copy of it", () => {
    const items = new SharedItems();
    const first = record("a");
    expect(items.share(first)).toBe(first);
    expect(items.share(record("a"))).toBe(first);
    expect(items.share(record("b"))).not.toBe(first);
  });

  it("treats a newer updatedAt as a new version, and keeps the old one for the lists that hold it", () => {
    const items = new SharedItems();
    const old = items.share(record("a"));
    const renamed = record("a", new Date(T.getTime() + 1), "Fado night, moved");
    expect(items.share(renamed)).toBe(renamed);
    expect(items.share(record("a"))).toBe(old);
    expect(items.share(record("a", new Date(T.getTime() + 1)))).toBe(renamed);
  });

  it("looks a record up without holding it", () => {
    const items = new SharedItems();
    const passing = record("a");
    expect(items.held(passing)).toBe(passing);
    expect(items.size).toBe(0);
    const first = items.share(record("a"));
    expect(items.held(passing)).toBe(first);
    expect(items.held(record("a", new Date(T.getTime() + 1)))).not.toBe(first);
  });

  it("does not share records without a valid updatedAt", () => {
    const items = new SharedItems();
    const odd = record("a", new Date(Number.NaN));
    expect(items.share(odd)).toBe(odd);
    expect(items.share(record("a", new Date(Number.NaN)))).not.toBe(odd);
    expect(items.size).toBe(0);
  });

  it("lets go of a record no list holds any more, and of its slot", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const items = new SharedItems();
    const kept = items.share(record("kept"));
    items.share(record("dropped"));
    expect(items.size).toBe(2);
    for (let i = 0; i < 50 && items.size > 1; i++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(items.size).toBe(1);
    expect(items.share(record("kept"))).toBe(kept);
  });
});
