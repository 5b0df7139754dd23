import { describe, expect, it } from "vitest";
import { formatMemo, measureMemo, parseArgs } from "../../bench/memo-memory.js";

/** `bench/memo-memory.ts` on tiny settings, so the script never rots; no figure is asserted. */
describe("bench/memo-memory.ts", () => {
  it("measures held lists with shared items and with their own copies, at each overlap", { timeout: 60_000 }, async () => {
    const rows = await measureMemo(40, [1, 20]);
    expect(rows.map((r) => r.overlap)).toEqual([1, 20]);
    for (const r of rows) for (const n of [r.sharedHeapKb, r.sharedOffHeapKb, r.plainHeapKb, r.plainOffHeapKb]) expect(Number.isFinite(n)).toBe(true);
    const table = formatMemo(rows, 40);
    expect(table.split("\n")).toHaveLength(4);
    expect(table).toContain("40 lists");
  });

  it("reads its arguments and refuses anything else", () => {
    expect(parseArgs([])).toEqual({ lists: 800, overlaps: [1, 2, 5, 20] });
    expect(parseArgs(["--lists", "50", "--overlaps", "1.5,3"])).toEqual({ lists: 50, overlaps: [1.5, 3] });
    for (const bad of [["--lists", "0"], ["--overlaps", "a"], ["--lists"], ["--size", "3"]]) expect(() => parseArgs(bad)).toThrow(/usage/);
  });
});
