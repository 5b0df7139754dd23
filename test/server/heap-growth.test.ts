import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../server/config/config.js";
import { runScript } from "../helpers/process.js";

const CHURN = fileURLToPath(new URL("./fixtures/heap-growth-churn.ts", import.meta.url));

async function peakOf(percent: number): Promise<{ liveMb: number; peakMb: number }> {
  const { code, stdout } = await runScript(CHURN, [String(percent)]);
  expect(code).toBe(0);
  return JSON.parse(stdout) as { liveMb: number; peakMb: number };
}

describe("limitHeapGrowth", () => {
  it("keeps the heap's peak near twice the live set at 100 %, where V8 alone lets it grow much further", async () => {
    const own = await peakOf(0);
    const limited = await peakOf(100);
    // Measured here: about 390 MB left alone, 207 MB at 100 %, for a live set of about 95 MB.
    expect(limited.peakMb).toBeLessThan(own.peakMb * 0.75);
    expect(limited.peakMb).toBeLessThan(limited.liveMb * 2 * 1.5 + 48);
  }, 60_000);
});

describe("HEAP_GROWING_PERCENT", () => {
  const env = { JWT_SECRET: "x".repeat(40) };
  it("defaults to 0 (V8's own) and takes up to 300", () => {
    expect(loadConfig(env).heapGrowingPercent).toBe(0);
    expect(loadConfig({ ...env, HEAP_GROWING_PERCENT: "100" }).heapGrowingPercent).toBe(100);
    expect(loadConfig({ ...env, HEAP_GROWING_PERCENT: "300" }).heapGrowingPercent).toBe(300);
    expect(() => loadConfig({ ...env, HEAP_GROWING_PERCENT: "301" })).toThrow(/HEAP_GROWING_PERCENT/);
    expect(() => loadConfig({ ...env, HEAP_GROWING_PERCENT: "-1" })).toThrow(/HEAP_GROWING_PERCENT/);
  });
});
