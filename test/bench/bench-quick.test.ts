import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { BenchResults, LoadRow, RequestSection } from "../../bench/report.js";

/**
 * `npm run bench -- --quick` end to end, so the benchmark never rots: every section runs against a
 * real API, workers, Postgres and Redis, and the results file holds numbers for each. No figure is
 * asserted (CI machines are noisy); only that each section measured what it says it measures.
 */
const dir = mkdtempSync(path.join(tmpdir(), "stuckai-bench-test-"));
const out = path.join(dir, "quick.json");

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runQuick(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "bench/run.ts", "--quick", "--out", out], {
      env: { ...process.env, BENCH_KEEP_LOGS: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

const finite = (x: unknown) => typeof x === "number" && Number.isFinite(x);

function expectMeasured(row: LoadRow): void {
  expect(row.result.requests).toBeGreaterThan(0);
  expect(finite(row.result.rps)).toBe(true);
  for (const q of ["p50", "p99", "p999"] as const) expect(finite(row.result.latencyMs[q])).toBe(true);
  expect(finite(row.result.loadgen.cpu)).toBe(true);
  expect(row.result.errors).toEqual({});
}

function expectSection(section: RequestSection | undefined, source?: string): void {
  expect(section).toBeDefined();
  expect(section!.rows.length).toBeGreaterThan(0);
  for (const row of section!.rows) expectMeasured(row);
  expect(finite(section!.maxRps)).toBe(true);
  if (source) {
    // The sampled answers came from where the section claims (cache, database, a queued job). Most,
    // not all: on a starved machine a Redis call may time out, and the server then reads the database.
    const counts = new Map<string, number>();
    for (const r of [...section!.rows, ...(section!.halfLoad ? [section!.halfLoad] : [])]) {
      for (const [key, n] of Object.entries(r.result.decoded)) counts.set(key, (counts.get(key) ?? 0) + n);
    }
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    const expected = [...counts].filter(([key]) => key.startsWith(source)).reduce((a, [, n]) => a + n, 0);
    expect(total, JSON.stringify([...counts])).toBeGreaterThan(0);
    expect(expected / total, JSON.stringify([...counts])).toBeGreaterThanOrEqual(0.5);
  }
}

describe("npm run bench -- --quick", () => {
  it("runs every section and writes numbers for each", { timeout: 300_000 }, async () => {
    const run = await runQuick();
    expect(run.code, run.stderr.slice(-4000)).toBe(0);
    expect(run.stdout).toContain("goals (issue 7)");
    const results = JSON.parse(readFileSync(out, "utf8")) as BenchResults;
    const s = results.sections;

    expectSection(s.ceiling, "READY/CACHE/20 items");
    expectSection(s.cache, "READY/CACHE/");
    expectSection(s.database, "READY/DATABASE/");
    expectSection(s.miss, "GENERATING/");
    expectSection(s.writes);
    for (const section of [s.cache, s.database, s.miss]) {
      expectMeasured(section!.halfLoad!);
      // The bare ceiling at the same open-loop rate, the reference the half-load p99 is read against.
      expectMeasured(section!.ceilingAtHalfLoad!);
      expect(section!.ceilingAtHalfLoad!.rate).toBe(section!.halfLoad!.rate);
      // The load generator's own delay in sending, which the open loop's latency includes.
      const launch = section!.halfLoad!.result.launchDelayMs!;
      expect(launch.n).toBe(section!.halfLoad!.result.latencyMs.n);
      expect(launch.p99).toBeLessThanOrEqual(section!.halfLoad!.result.latencyMs.max);
      expect(finite(section!.ratioToCeiling)).toBe(true);
    }
    const p99Goals = results.goals!.filter((g) => g.goal.includes("p99 at half"));
    expect(p99Goals).toHaveLength(3);
    for (const g of p99Goals) {
      expect(g.reference).toMatch(/^the bare ceiling at the same rate: \d+\.\d\d ms; the load generator's own send delay: \d+\.\d\d ms$/);
    }
    // Closed loops have no schedule to be late for.
    expect(s.cache!.rows[0]!.result.launchDelayMs).toBeUndefined();
    expect(finite(s.writes!.ratioToCeiling)).toBe(true);

    const ready = s.miss!.ready!.result;
    expect(ready.timeouts).toBe(0);
    expect(ready.readyMs.n).toBe(ready.streams);
    expect(finite(ready.readyMs.p99)).toBe(true);
    expect(s.miss!.drain!.complete).toBe(true);

    expect(s.worker!.sizes.length).toBeGreaterThan(0);
    for (const w of s.worker!.sizes) {
      expect(Object.keys(w.perType).sort()).toEqual(["event", "movie", "music", "place"]);
      expect(finite(w.jobMsPerUser.mean)).toBe(true);
      expect(finite(w.jobUsersPerSecond)).toBe(true);
      expect(finite(w.concurrentUsersPerSecond)).toBe(true);
      expect(finite(w.engineMsPerUser.mean)).toBe(true);
      expect(finite(w.trainingSeconds.similarity)).toBe(true);
      expect(Object.values(w.trainingJobSeconds).length).toBeGreaterThan(0);
      expect(w.rssMb.peak).toBeGreaterThan(0);
    }

    expect(results.server!.rssMb.beforeLoad).toBeGreaterThan(0);
    expect(results.server!.rssMb.end).toBeGreaterThan(0);
    // The heap is read from the server's /metrics every second under load.
    expect(results.server!.heapUsedMb?.firstQuarterFloor).toBeGreaterThan(0);
    expect(results.server!.heapUsedMb?.lastQuarterFloor).toBeGreaterThan(0);
    expect(results.goals!.length).toBeGreaterThan(0);
  });
});
