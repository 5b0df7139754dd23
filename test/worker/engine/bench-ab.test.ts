import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);

/**
 * `worker/engine/bench-ab.ts` on tiny settings, so the A/B script never rots: it checks HEAD's engine
 * out, ranks the same users with both, and prints its summary. No timing is asserted. When the
 * engine is as committed (always so in CI's clean clone) the two must give the same lists: a rank()
 * whose output depended on state left by earlier calls would show here.
 */
describe("bench-ab", () => {
  it("compares the working tree's rank() with HEAD's and reports the lists that differ", async () => {
    const { stdout } = await run(process.execPath, ["--import", "tsx", "worker/engine/bench-ab.ts", "--base", "HEAD", "--size", "2000", "--users", "3", "--rounds", "2"], {
      maxBuffer: 1 << 24,
    });
    const summary = /rank\(\) × 4 types per user HEAD ([\d.]+) ms, working tree ([\d.]+) ms, ratio ([\d.]+); (\d+) of (\d+) lists differ/.exec(stdout);
    expect(summary, stdout).not.toBeNull();
    const [, was, is, ratio, differing, lists] = summary!;
    expect(Number(was)).toBeGreaterThan(0);
    expect(Number(is)).toBeGreaterThan(0);
    expect(Number(ratio)).toBeCloseTo(Number(is) / Number(was), 2);
    expect(Number(lists)).toBe(4 * 3);
    const unchanged = execFileSync("git", ["status", "--porcelain", "--", "worker/engine", "server/domain"], { encoding: "utf8" }).trim() === "";
    if (unchanged) expect(Number(differing), stdout).toBe(0);
  }, 120_000);
});
