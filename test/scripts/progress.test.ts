import { describe, expect, it } from "vitest";
import { progressReporter } from "../../scripts/catalog-import/progress.js";

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, write: (s: string) => writes.push(s) } as unknown as NodeJS.WriteStream };
}
const counts = (lines: number, bytes: number) => ({ lines, bytes, inserted: lines - 1, updated: 0, rejected: 1 });

describe("catalog-import progress", () => {
  it("redraws one bar in place on a terminal, at most every 100 ms, and clears it when done", () => {
    const { writes, stream } = fakeStream(true);
    const p = progressReporter(stream, 1000, performance.now() - 2000);
    p.update(counts(500, 500));
    p.update(counts(600, 600)); // too soon: skipped
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatch(/^\r\x1b\[K\[#{15}-{15}\] 50% 500 lines, 499 inserted, 0 updated, 1 rejected, 2\d\d items\/s$/);
    p.done();
    expect(writes[1]).toBe("\r\x1b[K");
  });

  it("writes plain lines elsewhere, never more than one each 5 s, and nothing to clear", () => {
    const { writes, stream } = fakeStream(false);
    const p = progressReporter(stream, 1000);
    p.update(counts(1000, 2000));
    p.update(counts(1000, 2000));
    p.done();
    expect(writes).toEqual([expect.stringMatching(/^catalog-import: 100% 1000 lines, 999 inserted, 0 updated, 1 rejected, \d+ items\/s\n$/)]);
  });
});
