/** The benchmark's results document (bench/results/*.json), its table on stdout, and the goals of issue 7. */
import type { UnaryResult, WatchResult } from "./protocol.js";
import type { LatencySummary } from "./stats.js";
import type { WorkerBenchResult } from "./worker-bench.js";

/** CPU over a counted window, in cores (1 = one core busy); `machine` is the share of all cores busy. */
export interface CpuUse {
  readonly cores: Readonly<Record<string, number>>;
  readonly machineBusy: number | undefined;
}

export interface LoadRow {
  /** `c=8` (closed loop, 8 in flight) or `open 2500/s` (open loop). */
  readonly load: string;
  readonly concurrency?: number;
  readonly rate?: number;
  readonly result: UnaryResult;
  readonly cpu: CpuUse;
  /** Throughput over the ceiling's at the same concurrency (closed loop). */
  readonly ratioToCeiling?: number;
}

export interface RequestSection {
  readonly rows: LoadRow[];
  /** The best closed-loop throughput. */
  readonly maxRps?: number;
  readonly maxAtConcurrency?: number;
  /** maxRps over the ceiling's maxRps. */
  readonly ratioToCeiling?: number;
  /** The open-loop run at half of maxRps. */
  readonly halfLoad?: LoadRow;
  /**
   * The bare ceiling handler in an open loop at halfLoad's rate: the tail the protocol stack and the
   * machine have at that rate with none of the request path, to read halfLoad's p99 against.
   */
  readonly ceilingAtHalfLoad?: LoadRow;
}

export interface MissSection extends RequestSection {
  readonly ready?: { readonly concurrency: number; readonly result: WatchResult };
  /** How long after the last miss the workers had made every list the misses asked for. */
  readonly drain?: { readonly jobs: number; readonly seconds: number; readonly complete: boolean };
}

export interface WorkerSizeResult extends WorkerBenchResult {
  readonly seedSeconds: number;
}

export interface Goal {
  readonly goal: string;
  readonly target: string;
  readonly value: string;
  /** undefined when the run did not measure it. */
  readonly met: boolean | undefined;
  /** The same figure for the bare ceiling handler under the same load, where the run measured one. */
  readonly reference?: string;
}

export interface BenchResults {
  readonly version: 1;
  readonly mode: "quick" | "full";
  readonly argv: string[];
  readonly startedAt: string;
  finishedAt?: string;
  readonly machine: { cpus: number; model: string; memoryGb: number; node: string; loadAverageStart: number[]; loadAverageEnd?: number[] };
  readonly settings: Record<string, unknown>;
  readonly notes: string[];
  setup: Record<string, number>;
  sections: {
    ceiling?: RequestSection;
    cache?: RequestSection;
    database?: RequestSection;
    miss?: MissSection;
    writes?: RequestSection;
    worker?: { readonly sizes: WorkerSizeResult[]; readonly jobMsRatio1MTo100k?: number; readonly engineMsRatio1MTo100k?: number };
  };
  server?: {
    rssMb: { listening?: number; beforeLoad?: number; end?: number; minUnderLoad?: number; maxUnderLoad?: number; growth?: number };
    workersRssMb?: { beforeLoad: number[]; end: number[] };
    /** [seconds since the server listened, RSS MB] every second. */
    rssSeries: [number, number][];
    /** Floors of the V8 heap in use over the load (see heapFloors in stats.ts). */
    heapUsedMb?: { firstQuarterFloor?: number; lastQuarterFloor?: number };
    /** [seconds since the server listened, heap used MB] every second. */
    heapSeries?: [number, number][];
    logBytes: number;
    warnings: number;
    warningSamples: string[];
    profile?: unknown;
    /** The counted windows on the profile's clock (µs), for `profile-summary.ts --windows-from`. */
    profileWindows?: [number, number][];
  };
  goals?: Goal[];
}

const f = (x: number | undefined, digits = 2) => (x === undefined || Number.isNaN(x) ? "-" : x.toFixed(digits));
const pct = (x: number | undefined) => (x === undefined ? "-" : `${Math.round(x * 100)}%`);

function errorsOf(r: UnaryResult): string {
  const n = Object.values(r.errors).reduce((a, b) => a + b, 0);
  return n === 0 ? "0" : Object.entries(r.errors).map(([k, v]) => `${k}:${v}`).join(" ");
}

function workersCpu(cores: Readonly<Record<string, number>>): number | undefined {
  const w = Object.entries(cores).filter(([k]) => k.startsWith("worker"));
  return w.length === 0 ? undefined : w.reduce((a, [, v]) => a + v, 0);
}

function row(section: string, r: LoadRow): string {
  const l: LatencySummary = r.result.latencyMs;
  return [
    section.padEnd(9),
    r.load.padEnd(14),
    f(r.result.rps, 0).padStart(8),
    f(l.p50).padStart(8),
    f(l.p99).padStart(8),
    f(l.p999).padStart(8),
    (r.ratioToCeiling === undefined ? "-" : f(r.ratioToCeiling)).padStart(8),
    pct(r.cpu.cores.server).padStart(7),
    (r.cpu.cores.server !== undefined && r.result.rps > 0 ? f((r.cpu.cores.server / r.result.rps) * 1000) : "-").padStart(8),
    pct(workersCpu(r.cpu.cores)).padStart(8),
    pct(r.cpu.cores.redis).padStart(6),
    `${pct(r.result.loadgen.cpu)}/${pct(r.result.loadgen.elu)}`.padStart(10),
    pct(r.cpu.machineBusy).padStart(8),
    `  ${errorsOf(r.result)}`,
  ].join(" ");
}

export function formatTable(results: BenchResults): string {
  const out: string[] = [];
  const s = results.sections;
  out.push(
    [
      "section".padEnd(9),
      "load".padEnd(14),
      "req/s".padStart(8),
      "p50 ms".padStart(8),
      "p99 ms".padStart(8),
      "p99.9 ms".padStart(8),
      "×ceiling".padStart(8),
      "server".padStart(7),
      "ms/call".padStart(8),
      "workers".padStart(8),
      "redis".padStart(6),
      "loadgen".padStart(10),
      "machine".padStart(8),
      "  errors",
    ].join(" "),
  );
  const block = (name: string, sec: RequestSection | undefined) => {
    if (!sec) return;
    for (const r of sec.rows) out.push(row(name, r));
    if (sec.halfLoad) out.push(row(name, sec.halfLoad));
    if (sec.ceilingAtHalfLoad) out.push(row(name, sec.ceilingAtHalfLoad));
  };
  block("ceiling", s.ceiling);
  block("cache", s.cache);
  block("database", s.database);
  block("miss", s.miss);
  block("writes", s.writes);
  out.push(
    "(server, workers, redis: CPU over the counted window, 100% = one core; ms/call: server CPU per call; loadgen: its CPU/event-loop use; machine: all cores busy, other work included)",
  );
  if (s.miss?.ready) {
    const r = s.miss.ready.result;
    out.push(
      `miss → READY on WatchRecommendations (${r.streams} fresh place/event cells, ${s.miss.ready.concurrency} streams at once): ` +
        `first answer p50 ${f(r.firstMs.p50)} / p99 ${f(r.firstMs.p99)} ms (${Object.entries(r.firstStatus).map(([k, v]) => `${k} ${v}`).join(", ")}); ` +
        `READY p50 ${f(r.readyMs.p50, 0)} / p99 ${f(r.readyMs.p99, 0)} / max ${f(r.readyMs.max, 0)} ms; timeouts ${r.timeouts}`,
    );
  }
  if (s.miss?.drain) {
    const d = s.miss.drain;
    out.push(`miss jobs: the ${d.jobs} generate jobs the misses queued were all done ${f(d.seconds, 1)} s after the last miss${d.complete ? "" : " — NOT within the bound"}`);
  }
  for (const [name, sec] of Object.entries(s) as [string, RequestSection | undefined][]) {
    if (!sec || !("rows" in sec)) continue;
    const decoded = new Map<string, number>();
    for (const r of [...sec.rows, ...(sec.halfLoad ? [sec.halfLoad] : [])]) for (const [k, v] of Object.entries(r.result.decoded)) decoded.set(k, (decoded.get(k) ?? 0) + v);
    if (decoded.size > 0) out.push(`answers sampled (${name}): ${[...decoded].map(([k, v]) => `${k} ×${v}`).join(", ")}`);
  }
  if (s.worker) {
    out.push("");
    out.push(
      [
        "worker: items".padEnd(14),
        "per type".padStart(9),
        "index s".padStart(8),
        "train job s".padStart(12),
        "CF s".padStart(6),
        "MF s".padStart(6),
        "job ms/user mean/p50/p99".padStart(26),
        "users/s".padStart(8),
        "users/s @c".padStart(11),
        "engine ms/user".padStart(15),
        "+MF".padStart(7),
        "reads".padStart(7),
        "writes".padStart(7),
        "peak RSS MB".padStart(12),
      ].join(" "),
    );
    for (const w of s.worker.sizes) {
      const perType = Object.values(w.perType)[0] ?? 0;
      const index = Object.values(w.indexSeconds).reduce((a, b) => a + b, 0);
      const train = Object.values(w.trainingJobSeconds).reduce((a, b) => a + b, 0);
      out.push(
        [
          String(w.items).padEnd(14),
          String(perType).padStart(9),
          f(index, 1).padStart(8),
          f(train, 2).padStart(12),
          f(w.trainingSeconds.similarity, 2).padStart(6),
          f(w.trainingSeconds.mf, 2).padStart(6),
          `${f(w.jobMsPerUser.mean, 1)}/${f(w.jobMsPerUser.p50, 1)}/${f(w.jobMsPerUser.p99, 1)}`.padStart(26),
          f(w.jobUsersPerSecond, 1).padStart(8),
          `${f(w.concurrentUsersPerSecond, 1)} @${w.concurrency}`.padStart(11),
          f(w.engineMsPerUser.mean, 2).padStart(15),
          f(w.engineMfMsPerUser?.mean, 2).padStart(7),
          f(w.jobReadsMsPerUser.mean, 1).padStart(7),
          f(w.jobWritesMsPerUser.mean, 1).padStart(7),
          f(w.rssMb.peak, 0).padStart(12),
        ].join(" "),
      );
    }
    out.push("(items: total over the four types, a quarter each; job = the refresh-user handler making all four lists of one user, Postgres reads and list write included, one user at a time; engine = buildUserModel + rank × 4 from preloaded inputs; reads, writes = the job's read of the user (cache version, profile, history; items the catalog indexes hold are not read) and its four list writes, timed alone, ms per user)");
    if (s.worker.jobMsRatio1MTo100k !== undefined) out.push(`1M vs 100k per-user time: job ×${f(s.worker.jobMsRatio1MTo100k)}, engine ×${f(s.worker.engineMsRatio1MTo100k)}`);
  }
  if (results.server) {
    const r = results.server.rssMb;
    out.push("");
    out.push(
      `server RSS: ${f(r.listening, 0)} MB at listen, ${f(r.beforeLoad, 0)} MB before load, ${f(r.end, 0)} MB at the end (${r.growth === undefined ? "-" : `${r.growth >= 0 ? "+" : ""}${(r.growth * 100).toFixed(1)}%`}), ` +
        (r.minUnderLoad !== undefined ? `${f(r.minUnderLoad, 0)}–${f(r.maxUnderLoad, 0)} MB under load (sampled every second); ` : "") +
        `log ${(results.server.logBytes / 2 ** 20).toFixed(1)} MB, ${results.server.warnings} warnings or errors`,
    );
    const h = results.server.heapUsedMb;
    if (h?.firstQuarterFloor !== undefined) {
      out.push(`server heap in use (floor, GC sawtooth removed): ${f(h.firstQuarterFloor, 0)} MB in the first quarter of the load, ${f(h.lastQuarterFloor, 0)} MB in the last`);
    }
    for (const w of results.server.warningSamples.slice(0, 5)) out.push(`  ${w}`);
  }
  if (results.goals) {
    out.push("");
    out.push("goals (issue 7):");
    for (const g of results.goals) {
      const reference = g.reference ? `; ${g.reference}` : "";
      out.push(`  ${g.met === undefined ? "?" : g.met ? "met   " : "MISSED"}  ${g.goal}: ${g.value} (target ${g.target}${reference})`);
    }
  }
  return out.join("\n");
}

/** The goals of issue 7 against this run's figures. */
export function evaluateGoals(results: BenchResults): Goal[] {
  const s = results.sections;
  const goals: Goal[] = [];
  const add = (goal: string, target: string, value: number | undefined, ok: (v: number) => boolean, unit: string, reference?: string) =>
    goals.push({
      goal,
      target,
      value: value === undefined || Number.isNaN(value) ? "not measured" : `${value.toFixed(2)}${unit}`,
      met: value === undefined || Number.isNaN(value) ? undefined : ok(value),
      ...(reference ? { reference } : {}),
    });
  const halfLoadP99 = (goal: string, target: number, sec: RequestSection | undefined) => {
    const bare = sec?.ceilingAtHalfLoad?.result.latencyMs.p99;
    const launch = sec?.halfLoad?.result.launchDelayMs?.p99;
    const references = [
      ...(bare === undefined ? [] : [`the bare ceiling at the same rate: ${bare.toFixed(2)} ms`]),
      ...(launch === undefined ? [] : [`the load generator's own send delay: ${launch.toFixed(2)} ms`]),
    ];
    const reference = references.length > 0 ? references.join("; ") : undefined;
    add(goal, `≤ ${target} ms`, sec?.halfLoad?.result.latencyMs.p99, (v) => v <= target, " ms", reference);
  };
  add("cache hit throughput / ceiling throughput", "≥ 0.6", s.cache?.ratioToCeiling, (v) => v >= 0.6, "");
  halfLoadP99("cache hit p99 at half of the cache-hit maximum", 5, s.cache);
  halfLoadP99("database hit p99 at half of the database-hit maximum", 20, s.database);
  halfLoadP99("miss answered (GENERATING), p99 at half of the miss maximum", 20, s.miss);
  add(
    `miss: list READY on the stream, p99 (${results.settings.catalogItems} items)`,
    "≤ 1000 ms",
    s.miss?.ready && s.miss.ready.result.timeouts === 0 ? s.miss.ready.result.readyMs.p99 : s.miss?.ready ? Infinity : undefined,
    (v) => v <= 1000,
    " ms",
  );
  const at = (n: number) => s.worker?.sizes.find((w) => w.items === n);
  add("worker: all four lists of one user at 100k items (job path, mean)", "≤ 20 ms", at(100_000)?.jobMsPerUser.mean, (v) => v <= 20, " ms");
  add("worker: 1M-item per-user time / 100k-item time (job path)", "≤ 3×", s.worker?.jobMsRatio1MTo100k, (v) => v <= 3, "×");
  add("server RSS growth from before load to the end", "flat (≤ +20%)", results.server?.rssMb.growth, (v) => v <= 0.2, "");
  return goals;
}
