import { Counter, Registry, collectDefaultMetrics } from "prom-client";

/** The worker's Prometheus metrics: a registry of its own, so they never mix with the API's. */
export const workerRegistry = new Registry();
collectDefaultMetrics({ register: workerRegistry });

/** Recorded by the job handlers that arrive with the content issue (outcome: completed, failed, retried). */
export const workerJobs = new Counter({
  name: "stuckai_worker_jobs_total",
  help: "Jobs the worker finished, by job type and outcome",
  labelNames: ["job_type", "outcome"] as const,
  registers: [workerRegistry],
});
