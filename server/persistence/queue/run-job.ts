import type { JobHandler, JobRun, JobType } from "../../domain/ports/job-queue.js";
import { asError } from "../redis-calls.js";

export type RunOutcome = { readonly ok: true } | { readonly ok: false; readonly error: Error; readonly closing: boolean };

/** The abort reason of runs cut off by `close`: they are not failures of the job. */
export class QueueClosingError extends Error {
  constructor() {
    super("job queue closing: run abandoned after the grace period");
    this.name = "QueueClosingError";
  }
}

export class JobTimeoutError extends Error {
  constructor(type: JobType, id: string, ms: number) {
    super(`${type} job ${id} timed out after ${ms} ms`);
    this.name = "JobTimeoutError";
  }
}

/**
 * Runs one job under its time limit, registered in `running` so `close` can abort it. Settles when
 * the handler settles or the signal aborts, whichever is first: a handler ignoring its signal keeps
 * running, but no longer holds the slot.
 */
export async function runJob<T extends JobType>(
  handler: JobHandler<T>,
  run: Omit<JobRun<T>, "signal">,
  timeoutMs: number,
  running: Set<AbortController>,
): Promise<RunOutcome> {
  const controller = new AbortController();
  running.add(controller);
  const timer = setTimeout(() => controller.abort(new JobTimeoutError(run.type, run.id, timeoutMs)), timeoutMs);
  const aborted = new Promise<never>((_, reject) => {
    controller.signal.addEventListener("abort", () => reject(asError(controller.signal.reason)), { once: true });
  });
  try {
    await Promise.race([handler({ ...run, signal: controller.signal }), aborted]);
    return { ok: true };
  } catch (err) {
    const closing = controller.signal.reason instanceof QueueClosingError;
    return { ok: false, error: closing ? (controller.signal.reason as Error) : asError(err), closing };
  } finally {
    clearTimeout(timer);
    running.delete(controller);
  }
}

/** Aborts every run still registered, after `graceMs`, unless `done` settles first. */
export async function abortAfterGrace(done: Promise<unknown>, graceMs: number, running: Set<AbortController>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      for (const c of running) c.abort(new QueueClosingError());
      resolve();
    }, graceMs);
  });
  await Promise.race([done.then(() => {}, () => {}), grace]);
  clearTimeout(timer);
}
