import { describe, expect, it } from "vitest";
import { measureEntryEncoding } from "../../bench/entry-encoding.js";

/** `bench/entry-encoding.ts` on one short round, so the script never rots; no figure is asserted. */
describe("bench/entry-encoding.ts", () => {
  it("times both encoders over the starter catalog", () => {
    const [round, ...rest] = measureEntryEncoding(1, 1);
    expect(rest).toEqual([]);
    expect(round!.reflectiveUs).toBeGreaterThan(0);
    expect(round!.directUs).toBeGreaterThan(0);
  });
});
