/** What the orchestrator (bench/run.ts) and the load generator (bench/loadgen.ts) say to each other over IPC. */
import type { LatencySummary } from "./stats.js";

/** One gRPC call, prepared once by the orchestrator: the load generator only copies bytes. */
export interface CallSpec {
  /** `/package.Service/Method`. */
  readonly path: string;
  /** Request headers beyond the gRPC ones (authorization, the ceiling marker). */
  readonly headers: Readonly<Record<string, string>>;
  /** The length-prefixed request message, base64. */
  readonly frame: string;
  /** Calls sharing a lock never run at the same time (database hits: one call per user and list at once). */
  readonly lock?: string;
  /** Redis keys deleted before the call is sent (not timed): forces the database path. */
  readonly flush?: readonly string[];
}

export type LoadMode =
  /** `concurrency` calls in flight at all times: the next starts when one ends. */
  | { readonly type: "closed"; readonly concurrency: number }
  /** Calls started at a fixed rate whatever the answers do; latency counts from the scheduled start. */
  | { readonly type: "open"; readonly rate: number; readonly maxInFlight: number };

export interface UnaryPhase {
  readonly kind: "unary";
  readonly port: number;
  /** HTTP/2 connections the calls are spread over (round robin). */
  readonly connections: number;
  readonly calls: readonly CallSpec[];
  /** Cycle through `calls`, or use each once and stop when they run out. */
  readonly cycle: boolean;
  readonly mode: LoadMode;
  /** Calls before this are not counted (JIT, pools, caches). */
  readonly warmupMs: number;
  /**
   * Count-bounded instead: the first `warmupCalls` calls are the warm-up and the rest are counted
   * (with `cycle: false`, the phase then makes exactly `calls.length` calls; `durationMs` stays a bound).
   */
  readonly warmupCalls?: number;
  /** The counted window; the phase ends after it (or when the calls run out). */
  readonly durationMs: number;
  /** Adds `grpc-accept-encoding: gzip`, as grpc-js and connect clients send by default. */
  readonly acceptGzip: boolean;
  /** Decode one answer in `decodeEvery` as a GetRecommendationsResponse to count statuses and sources (0: never). */
  readonly decodeEvery: number;
  /** Needed when calls carry `flush`. */
  readonly redisUrl?: string;
}

export interface WatchPhase {
  readonly kind: "watch";
  readonly port: number;
  readonly calls: readonly CallSpec[];
  readonly concurrency: number;
  /** A stream without a READY list after this counts as timed out. */
  readonly timeoutMs: number;
}

export type Phase = UnaryPhase | WatchPhase;

export interface ProcessLoad {
  /** CPU time over the counted window as a share of one core (1 = one core busy). */
  readonly cpu: number;
  /** Event-loop utilisation over the counted window (near 1: the load generator itself is saturated). */
  readonly elu: number;
}

export interface UnaryResult {
  readonly kind: "unary";
  /** Calls started in the counted window and finished. */
  readonly requests: number;
  /** From the window's start to the last counted answer. */
  readonly seconds: number;
  readonly rps: number;
  readonly latencyMs: LatencySummary;
  /** Non-OK answers by gRPC status (or `http-…` for a reset stream), counted window only. */
  readonly errors: Readonly<Record<string, number>>;
  /** Decoded answers by `STATUS/SOURCE`. */
  readonly decoded: Readonly<Record<string, number>>;
  /** Open loop: calls skipped because `maxInFlight` were already waiting. */
  readonly skipped: number;
  /**
   * Open loop: how long after its scheduled start each counted call was sent (the cache flush of a
   * database hit included). The load generator's own delay, part of `latencyMs`, which counts from
   * the schedule.
   */
  readonly launchDelayMs?: LatencySummary;
  readonly loadgen: ProcessLoad;
}

export interface WatchResult {
  readonly kind: "watch";
  readonly streams: number;
  /** Time to the first message (the GENERATING answer of a miss). */
  readonly firstMs: LatencySummary;
  /** Time to the first READY message. */
  readonly readyMs: LatencySummary;
  /** Status of each stream's first message. */
  readonly firstStatus: Readonly<Record<string, number>>;
  readonly timeouts: number;
  readonly errors: Readonly<Record<string, number>>;
}

export type PhaseResult = UnaryResult | WatchResult;

export type ToLoadgen = { readonly type: "run"; readonly phase: Phase } | { readonly type: "exit" };
export type FromLoadgen =
  | { readonly type: "ready" }
  /** The counted window starts now (the orchestrator samples server CPU from here). */
  | { readonly type: "measuring" }
  /** The counted window is over (answers still in flight may follow). */
  | { readonly type: "measured" }
  | { readonly type: "result"; readonly result: PhaseResult }
  | { readonly type: "error"; readonly message: string };
