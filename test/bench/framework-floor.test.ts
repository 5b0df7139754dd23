import { describe, expect, it } from "vitest";
import { formatFloor, measureFloor } from "../../bench/framework-floor.js";

/** `bench/framework-floor.ts` on tiny settings, so the script never rots; no figure is asserted. */
describe("bench/framework-floor.ts", () => {
  it("loads both stacks with the same open loop and reports latency, CPU and promotion for each", { timeout: 60_000 }, async () => {
    const rows = await measureFloor({ rate: 100, seconds: 1, warmupMs: 300 });
    expect(rows.map((r) => r.stack)).toEqual(["http2", "connect"]);
    for (const r of rows) {
      expect(r.result.errors).toEqual({});
      expect(r.result.requests).toBeGreaterThan(50);
      expect(Number.isFinite(r.result.latencyMs.p99)).toBe(true);
      expect(r.cpuMs).toBeGreaterThan(0);
      for (const n of [r.promotedBytes, r.scavenges, r.markCompacts, r.longestMarkCompactMs]) expect(Number.isFinite(n)).toBe(true);
    }
    const table = formatFloor(rows, 100);
    expect(table).toContain("node:http2, by hand");
    expect(table).toContain("connect-node, ceiling handler");
  });
});
