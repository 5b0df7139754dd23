import { Counter, Histogram, type Registry } from "prom-client";
import type { JobFailure, JobHandler, JobType } from "../domain/ports/job-queue.js";

/** Job outcomes and durations per job type, in whichever process runs the jobs. */
export interface JobMetrics {
  /** Wraps a handler so each run's duration and outcome is recorded. */
  instrument<T extends JobType>(type: T, handler: JobHandler<T>): JobHandler<T>;
  /** The queue's failure report: retried or, when final, failed. */
  failed(failure: JobFailure): void;
}

export function jobMetrics(registry: Registry): JobMetrics {
  const jobs = new Counter({
    name: "stuckai_jobs_total",
    help: "Job runs finished, by job type and outcome (completed, retried, failed: no attempt left)",
    labelNames: ["job_type", "outcome"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "stuckai_job_duration_seconds",
    help: "Job run time, by job type and whether the run succeeded",
    labelNames: ["job_type", "result"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120],
    registers: [registry],
  });
  return {
    instrument(type, handler) {
      return async (run) => {
        const end = duration.startTimer({ job_type: type });
        try {
          await handler(run);
          end({ result: "ok" });
          jobs.inc({ job_type: type, outcome: "completed" });
        } catch (err) {
          end({ result: "error" });
          throw err;
        }
      };
    },
    failed(failure) {
      jobs.inc({ job_type: failure.type, outcome: failure.final ? "failed" : "retried" });
    },
  };
}
