import {
  checkConcurrency,
  checkEnqueue,
  JOB_TYPES,
  resolvePolicy,
  type EnqueueOptions,
  type JobFailure,
  type JobHandler,
  type JobPayloads,
  type JobPolicy,
  type JobQueue,
  type JobQueueOptions,
  type JobType,
} from "../../domain/ports/job-queue.js";
import { asError } from "../redis-calls.js";
import { abortAfterGrace, runJob, type RunOutcome } from "./run-job.js";

interface Job {
  readonly type: JobType;
  readonly id: string;
  readonly payload: unknown;
  readonly maxAttempts: number;
  readonly backoffMs: number;
  state: "waiting" | "delayed" | "active";
  /** Runs started so far. */
  runs: number;
  timer?: NodeJS.Timeout;
}

interface Worker {
  readonly concurrency: number;
  readonly handler: JobHandler<JobType>;
  active: number;
}

/**
 * The queue of the embedded default: the Bee-Queue adapter's semantics (coalescing by id, retries
 * with exponential backoff, per-type concurrency, graceful close) inside one process. Nothing is
 * durable: jobs waiting at close or at a crash are gone, which the embedded default accepts because
 * every job here can be recomputed on the next request.
 */
export class InProcessJobQueue implements JobQueue {
  private readonly policies: Record<JobType, JobPolicy>;
  /** Every job not finished yet, by type and id: the coalescing index. */
  private readonly jobs = new Map<string, Job>();
  private readonly waiting = new Map<JobType, Job[]>(JOB_TYPES.map((t) => [t, []]));
  private readonly workers = new Map<JobType, Worker>();
  private readonly running = new Set<AbortController>();
  private readonly runs = new Set<Promise<void>>();
  private seq = 0;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: JobQueueOptions = {}) {
    this.policies = Object.fromEntries(JOB_TYPES.map((t) => [t, resolvePolicy(t, options.policies)])) as Record<JobType, JobPolicy>;
  }

  async enqueue<T extends JobType>(type: T, payload: JobPayloads[T], options?: EnqueueOptions): Promise<{ id: string; duplicate: boolean }> {
    if (this.closing) throw new Error("job queue closed");
    checkEnqueue(options);
    const id = options?.jobId ?? String(++this.seq);
    if (this.jobs.has(indexKey(type, id))) return { id, duplicate: true };
    const { attempts, backoffMs } = this.policies[type];
    // A copy, as a Redis round trip would make: the caller may reuse its object.
    const job: Job = { type, id, payload: structuredClone(payload), maxAttempts: attempts, backoffMs, state: "waiting", runs: 0 };
    this.jobs.set(indexKey(type, id), job);
    if (options?.delayMs) this.delay(job, options.delayMs);
    else this.makeReady(job);
    return { id, duplicate: false };
  }

  process<T extends JobType>(type: T, concurrency: number, handler: JobHandler<T>): void {
    if (this.closing) throw new Error("job queue closed");
    checkConcurrency(concurrency);
    if (this.workers.has(type)) throw new Error(`a handler for ${type} jobs is already registered`);
    this.workers.set(type, { concurrency, handler: handler as unknown as JobHandler<JobType>, active: 0 });
    this.pump(type);
  }

  async depth(): Promise<Record<JobType, number>> {
    const depth = Object.fromEntries(JOB_TYPES.map((t) => [t, 0])) as Record<JobType, number>;
    for (const job of this.jobs.values()) if (job.state !== "active") depth[job.type]++;
    return depth;
  }

  close(graceMs: number): Promise<void> {
    this.closing ??= (async () => {
      for (const job of this.jobs.values()) clearTimeout(job.timer);
      const runs = Promise.all(this.runs);
      await abortAfterGrace(runs, graceMs, this.running);
      await runs;
      this.jobs.clear();
    })();
    return this.closing;
  }

  private makeReady(job: Job): void {
    job.state = "waiting";
    job.timer = undefined;
    this.waiting.get(job.type)!.push(job);
    this.pump(job.type);
  }

  private delay(job: Job, ms: number): void {
    job.state = "delayed";
    job.timer = setTimeout(() => this.makeReady(job), ms);
  }

  private pump(type: JobType): void {
    const worker = this.workers.get(type);
    const queue = this.waiting.get(type)!;
    while (worker && !this.closing && worker.active < worker.concurrency && queue.length > 0) this.start(queue.shift()!, worker);
  }

  private start(job: Job, worker: Worker): void {
    job.state = "active";
    job.runs++;
    worker.active++;
    const timeoutMs = this.policies[job.type].timeoutMs;
    const run = runJob(worker.handler, { id: job.id, type: job.type, payload: job.payload as never, attempt: job.runs, maxAttempts: job.maxAttempts }, timeoutMs, this.running)
      .then((outcome) => this.finish(job, worker, outcome))
      .catch((err: unknown) => this.options.onError?.(asError(err)))
      .finally(() => this.runs.delete(run));
    this.runs.add(run);
  }

  private finish(job: Job, worker: Worker, outcome: RunOutcome): void {
    worker.active--;
    if (outcome.ok || outcome.closing) {
      this.jobs.delete(indexKey(job.type, job.id));
    } else {
      const final = job.runs >= job.maxAttempts;
      this.report({ type: job.type, id: job.id, attempt: job.runs, maxAttempts: job.maxAttempts, error: outcome.error, final });
      if (final) this.jobs.delete(indexKey(job.type, job.id));
      else if (!this.closing) this.delay(job, job.backoffMs * 2 ** (job.runs - 1));
    }
    this.pump(job.type);
  }

  private report(failure: JobFailure): void {
    try {
      this.options.onFailure?.(failure);
    } catch (err) {
      this.options.onError?.(asError(err));
    }
  }
}

function indexKey(type: JobType, id: string): string {
  return `${type}\u0000${id}`;
}
