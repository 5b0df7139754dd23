import { Registry, collectDefaultMetrics } from "prom-client";
import { jobMetrics } from "../server/observability/job-metrics.js";

/** The worker's Prometheus metrics: a registry of its own, so they never mix with the API's. */
export const workerRegistry = new Registry();
collectDefaultMetrics({ register: workerRegistry });

export const workerJobMetrics = jobMetrics(workerRegistry);
