import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { jobMetrics } from "./job-metrics.js";

/**
 * Every Prometheus metric of the API process, defined once. Modules record into these; `GET /metrics`
 * renders the registry. One registry per process (tests that start several apps share it, which
 * is why assertions read deltas).
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry });

export const rpcRequests = new Counter({
  name: "stuckai_rpc_requests_total",
  help: "RPCs handled, by procedure, protocol and final code",
  labelNames: ["procedure", "protocol", "code"] as const,
  registers: [registry],
});

export const rpcDuration = new Histogram({
  name: "stuckai_rpc_duration_seconds",
  help: "RPC latency (for streams: until the stream ended), by procedure, protocol and code",
  labelNames: ["procedure", "protocol", "code"] as const,
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
  registers: [registry],
});

export const rateLimited = new Counter({
  name: "stuckai_rate_limited_total",
  help: "Calls refused by the rate limiter, by procedure",
  labelNames: ["procedure"] as const,
  registers: [registry],
});

export const rateLimiterFailOpen = new Counter({
  name: "stuckai_rate_limiter_fail_open_total",
  help: "Calls let through unchecked because the rate limiter's store (Redis) was unreachable",
  registers: [registry],
});

export const cacheLookups = new Counter({
  name: "stuckai_cache_lookups_total",
  help: "Recommendation cache lookups, by content type and result (hit or miss)",
  labelNames: ["content_type", "result"] as const,
  registers: [registry],
});

/** Read on every scrape; set by the app that owns the queue (in tests: the last one started). */
let queueDepthSource: (() => Promise<Readonly<Record<string, number>>>) | undefined;
/** Returns the function that unsets it again (unless another app has set its own since). */
export function setQueueDepthSource(source: () => Promise<Readonly<Record<string, number>>>): () => void {
  queueDepthSource = source;
  return () => {
    if (queueDepthSource === source) queueDepthSource = undefined;
  };
}

export const queueDepth = new Gauge({
  name: "stuckai_queue_depth",
  help: "Jobs waiting (or delayed) in the job queue, by job type",
  labelNames: ["job_type"] as const,
  registers: [registry],
  async collect() {
    // An unreachable queue leaves the last values: the scrape must not fail with it.
    const depth = await queueDepthSource?.().catch(() => undefined);
    for (const [type, n] of Object.entries(depth ?? {})) this.set({ job_type: type }, n);
  },
});

/** Runs and durations of the jobs this process runs (the embedded default runs them in the API). */
export const apiJobMetrics = jobMetrics(registry);

export interface DbPoolStats {
  readonly used: number;
  readonly free: number;
  readonly pending: number;
}
/** Read on every scrape; set by the app that owns the database (in tests: the last one started). */
let dbPoolSource: (() => DbPoolStats | undefined) | undefined;
/** Returns the function that unsets it again (unless another app has set its own since). */
export function setDbPoolSource(source: () => DbPoolStats | undefined): () => void {
  dbPoolSource = source;
  return () => {
    if (dbPoolSource === source) dbPoolSource = undefined;
  };
}

export const dbPool = new Gauge({
  name: "stuckai_db_pool_connections",
  help: "Database pool connections, by state (used, free, pending acquires)",
  labelNames: ["state"] as const,
  registers: [registry],
  collect() {
    const stats = dbPoolSource?.();
    if (!stats) return;
    this.set({ state: "used" }, stats.used);
    this.set({ state: "free" }, stats.free);
    this.set({ state: "pending" }, stats.pending);
  },
});

export const rpcInFlight = new Gauge({
  name: "stuckai_rpc_in_flight",
  help: "RPCs currently running (streams: until they end), by procedure and protocol",
  labelNames: ["procedure", "protocol"] as const,
  registers: [registry],
});
