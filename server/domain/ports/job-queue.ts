import type { ContentKind } from "../content/kinds.js";

export const JOB_TYPES = ["generate", "refresh-user", "cleanup-expired", "interaction-analytics", "prefetch", "rebuild-similarity", "train-mf"] as const;
export type JobType = (typeof JOB_TYPES)[number];

/** What each job carries: JSON only, and small (ids, not data; a job reads what it needs when it runs). */
export interface JobPayloads {
  /** Rank one list and store it (database and cache), then publish "list ready". */
  generate: { userId: string; contentType: ContentKind; geohash?: string; latitude?: number; longitude?: number };
  /** Recompute every cached list of a user, e.g. after a profile change. */
  "refresh-user": { userId: string };
  /** Delete stored recommendation lists that expired before `before` (ISO 8601; default now). */
  "cleanup-expired": { before?: string };
  /** Fold a user's new interactions into their tag affinities. */
  "interaction-analytics": { userId: string };
  /** Warm the lists a user is likely to ask for next (e.g. after login or moving cell). */
  prefetch: { userId: string; contentTypes: ContentKind[]; geohash?: string; latitude?: number; longitude?: number };
  /** Rebuild item-to-item similarity for one kind, or all. */
  "rebuild-similarity": { contentType?: ContentKind };
  /**
   * Train the matrix-factorisation model on everyone's recent interactions and store it for every
   * worker. Skipped when the stored model is younger than `ifOlderThanMs` (a restarted worker's
   * scheduled run right after another's).
   */
  "train-mf": { ifOlderThanMs?: number };
}

export interface EnqueueOptions {
  /**
   * Coalescing key: while a job with this id is waiting, delayed or running, enqueueing it again is a
   * no-op answered with `duplicate: true`; once it has succeeded or finally failed the id is free.
   * Use `jobId(...)` to build one. Must not be all digits (those are generated ids).
   */
  readonly jobId?: string;
  /** Run no earlier than this many ms from now. */
  readonly delayMs?: number;
}

/** One run of a job, as its handler sees it. */
export interface JobRun<T extends JobType> {
  readonly id: string;
  readonly type: T;
  readonly payload: JobPayloads[T];
  /** 1 on the first run; counts handler failures, not crashed workers (a stalled job runs again at the same attempt). */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** Aborted when the run exceeds its policy's timeout or the queue is closing past its grace period. */
  readonly signal: AbortSignal;
}

export type JobHandler<T extends JobType> = (run: JobRun<T>) => Promise<void>;

/** Retries and time limits of one job type. */
export interface JobPolicy {
  /** Runs in all, counting the first; 1 means no retry. */
  readonly attempts: number;
  /** Delay before the first retry; doubles before each further one. */
  readonly backoffMs: number;
  /** A run still going after this fails (and may be retried); its signal is aborted. */
  readonly timeoutMs: number;
}

export const DEFAULT_JOB_POLICIES: Readonly<Record<JobType, JobPolicy>> = {
  generate: { attempts: 3, backoffMs: 2_000, timeoutMs: 60_000 },
  "refresh-user": { attempts: 3, backoffMs: 5_000, timeoutMs: 120_000 },
  "cleanup-expired": { attempts: 2, backoffMs: 60_000, timeoutMs: 10 * 60_000 },
  "interaction-analytics": { attempts: 3, backoffMs: 5_000, timeoutMs: 60_000 },
  prefetch: { attempts: 2, backoffMs: 5_000, timeoutMs: 60_000 },
  "rebuild-similarity": { attempts: 2, backoffMs: 60_000, timeoutMs: 30 * 60_000 },
  "train-mf": { attempts: 2, backoffMs: 60_000, timeoutMs: 60 * 60_000 },
};

/** A failed run, reported whether or not it will be retried. */
export interface JobFailure {
  readonly type: JobType;
  readonly id: string;
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly error: Error;
  /** No attempt left: the job is dropped. */
  readonly final: boolean;
}

/** Options every adapter takes. */
export interface JobQueueOptions {
  /** Per-type overrides of DEFAULT_JOB_POLICIES. Attempts and backoff are fixed when a job is enqueued. */
  readonly policies?: Partial<Record<JobType, Partial<JobPolicy>>>;
  /** Every failed run (for logs and metrics); `final` tells retries from give-ups. */
  readonly onFailure?: (failure: JobFailure) => void;
  /** Infrastructure errors the queue recovered from or could not attribute to a job. */
  readonly onError?: (err: Error) => void;
}

/**
 * Background jobs: at-least-once delivery, so handlers must be idempotent. A job is delivered to
 * the `process` handler of its type in any process sharing the queue's store.
 */
export interface JobQueue {
  enqueue<T extends JobType>(type: T, payload: JobPayloads[T], options?: EnqueueOptions): Promise<{ id: string; duplicate: boolean }>;
  /** Runs jobs of `type` with at most `concurrency` at once in this process. Once per type per queue. */
  process<T extends JobType>(type: T, concurrency: number, handler: JobHandler<T>): void;
  /** Jobs not yet running per type: waiting plus delayed (scheduled or backing off before a retry). */
  depth(): Promise<Record<JobType, number>>;
  /**
   * Stops taking jobs and waits up to `graceMs` for running ones; runs still going then have their
   * signal aborted and are left for another worker (Redis) or dropped (in-process). Enqueueing after
   * close rejects.
   */
  close(graceMs: number): Promise<void>;
}

/** The coalescing id for a job about these things, e.g. `jobId("generate", userId, "place", cell)`. */
export function jobId(type: JobType, ...parts: (string | undefined)[]): string {
  return [type, ...parts.filter((p): p is string => p !== undefined && p !== "")].join(":");
}

export function resolvePolicy(type: JobType, overrides: JobQueueOptions["policies"]): JobPolicy {
  const policy = { ...DEFAULT_JOB_POLICIES[type], ...overrides?.[type] };
  if (!Number.isInteger(policy.attempts) || policy.attempts < 1) throw new RangeError(`${type}: attempts must be a positive integer`);
  if (!Number.isInteger(policy.backoffMs) || policy.backoffMs < 1) throw new RangeError(`${type}: backoffMs must be a positive integer`);
  if (!(policy.timeoutMs > 0)) throw new RangeError(`${type}: timeoutMs must be positive`);
  return policy;
}

export function checkEnqueue(options: EnqueueOptions | undefined): void {
  const id = options?.jobId;
  if (id !== undefined && (id.length === 0 || id.length > 256 || /^\d+$/.test(id))) {
    throw new RangeError(`job id must be 1–256 characters and not all digits: ${JSON.stringify(id)}`);
  }
  const delay = options?.delayMs;
  if (delay !== undefined && !(delay >= 0 && Number.isFinite(delay))) throw new RangeError(`delayMs must be a finite number ≥ 0: ${delay}`);
}

export function checkConcurrency(concurrency: number): void {
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer: ${concurrency}`);
}
