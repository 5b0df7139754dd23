import { createRequire } from "node:module";
import BeeQueue from "bee-queue";
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
import { asError, withTimeout } from "../redis-calls.js";
import { abortAfterGrace, runJob } from "./run-job.js";

/**
 * Bee-Queue loads its Lua scripts once per queue and calls them by SHA only, so after a Redis restart
 * (the script cache is not persisted) every enqueue fails with NOSCRIPT for the life of the process.
 * Its own loader is the fix; the deep import is pinned by the exact bee-queue version in package.json.
 */
const beeLua = createRequire(import.meta.url)("bee-queue/lib/lua") as { buildCache(client: unknown): Promise<unknown> };

/** The node_redis v3 client Bee-Queue creates from our options (not part of its typings). */
interface NodeRedisClient {
  on(event: "ready", listener: () => void): void;
}

/** What a job stores: the payload and the attempts it was enqueued with (Bee-Queue only keeps the retries left). */
interface Envelope {
  readonly payload: unknown;
  readonly maxAttempts: number;
}

export interface BeeQueueJobQueueOptions extends JobQueueOptions {
  /** e.g. `redis://host:6379/0`. Bee-Queue opens its own connections: see the class comment. */
  readonly redisUrl: string;
  /** Key prefix; queue `generate` lives under `{prefix}:generate:`. */
  readonly prefix: string;
  /**
   * A worker must confirm each running job within this window or the job counts as stalled and
   * runs again elsewhere. Recovery after a crash takes between one and two windows plus a check.
   */
  readonly stallIntervalMs?: number;
  /** Delayed and retried jobs may start up to this much late, so bursts are raised in one go. */
  readonly delayedDebounceMs?: number;
  /** Enqueue and depth give up after this, so a hung or unreachable Redis cannot stall the caller. */
  readonly commandTimeoutMs?: number;
  /** A stalled job (its worker died or hung) was put back to run again. */
  readonly onStalled?: (type: JobType, id: string) => void;
}

/**
 * Jobs in Redis with Bee-Queue, one queue per job type so each type has its own concurrency and a
 * slow type cannot starve the others.
 *
 * Connections: Bee-Queue 2.0 talks to Redis through its bundled node_redis v3 and cannot take an
 * ioredis 5 client (it recognises clients by `constructor.name`, which ioredis reports as
 * `EventEmitter`, bee-queue issue 484), so it gets connection options and opens its own: one per
 * producer queue (created on first use, `isWorker: false`, no offline queue so enqueue fails fast
 * during an outage) and three per worker queue (commands, the blocking BRPOPLPUSH, and the
 * subscription that wakes delayed jobs). They reconnect forever with capped backoff, and `close`
 * quits them all.
 *
 * Coalescing: a custom id that already exists in the queue's job hash is not added again (Bee-Queue
 * then sets the saved job's id to null, which is how `duplicate` is known). Jobs are removed from the
 * hash on success and on final failure, so an id coalesces exactly while its job is waiting, delayed
 * or running.
 */
export class BeeQueueJobQueue implements JobQueue {
  private readonly policies: Record<JobType, JobPolicy>;
  private readonly producers = new Map<JobType, Promise<BeeQueue<Envelope>>>();
  private readonly workers = new Map<JobType, BeeQueue<Envelope>>();
  private readonly queues = new Set<BeeQueue<Envelope>>();
  private readonly running = new Set<AbortController>();
  private readonly stallTimers = new Map<BeeQueue<Envelope>, NodeJS.Timeout>();
  private readonly stallIntervalMs: number;
  private readonly commandTimeoutMs: number;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: BeeQueueJobQueueOptions) {
    this.policies = Object.fromEntries(JOB_TYPES.map((t) => [t, resolvePolicy(t, options.policies)])) as Record<JobType, JobPolicy>;
    this.stallIntervalMs = options.stallIntervalMs ?? 5_000;
    this.commandTimeoutMs = options.commandTimeoutMs ?? 2_000;
  }

  async enqueue<T extends JobType>(type: T, payload: JobPayloads[T], options?: EnqueueOptions): Promise<{ id: string; duplicate: boolean }> {
    if (this.closing) throw new Error("job queue closed");
    checkEnqueue(options);
    const { attempts, backoffMs } = this.policies[type];
    const save = (queue: BeeQueue<Envelope>) => {
      const job = queue.createJob({ payload, maxAttempts: attempts }).retries(attempts - 1);
      if (attempts > 1) job.backoff("exponential", backoffMs);
      if (options?.jobId !== undefined) job.setId(options.jobId);
      if (options?.delayMs) job.delayUntil(Date.now() + options.delayMs);
      return job.save();
    };
    const enqueue = async () => {
      const queue = await this.producer(type);
      try {
        return await save(queue);
      } catch (err) {
        if (!isNoScript(err)) throw err;
        // Redis restarted and the reload on reconnect has not run yet (or failed): load and retry once.
        await beeLua.buildCache(clientOf(queue));
        return save(queue);
      }
    };
    const saved = await withTimeout(enqueue(), this.commandTimeoutMs, `job queue: Redis did not accept the ${type} job within ${this.commandTimeoutMs} ms`);
    // Bee-Queue leaves the id null when a job with the requested id already exists.
    if (saved.id === null) return { id: options!.jobId!, duplicate: true };
    return { id: saved.id, duplicate: false };
  }

  process<T extends JobType>(type: T, concurrency: number, handler: JobHandler<T>): void {
    if (this.closing) throw new Error("job queue closed");
    checkConcurrency(concurrency);
    if (this.workers.has(type)) throw new Error(`a handler for ${type} jobs is already registered`);
    const queue = this.create(type, {
      isWorker: true,
      activateDelayedJobs: true,
      removeOnSuccess: true,
      removeOnFailure: true,
      stallInterval: this.stallIntervalMs,
      delayedDebounce: this.options.delayedDebounceMs ?? 250,
    });
    this.workers.set(type, queue);
    queue.on("stalled", (id) => this.options.onStalled?.(type, id));
    const timeoutMs = this.policies[type].timeoutMs;
    queue.process(concurrency, async (job) => {
      const { payload, maxAttempts } = job.data;
      const retriesLeft = (job.options as { retries?: number }).retries ?? 0;
      const attempt = maxAttempts - retriesLeft;
      const outcome = await runJob(handler, { id: job.id, type, payload: payload as JobPayloads[T], attempt, maxAttempts }, timeoutMs, this.running);
      if (outcome.ok) return;
      // Cut off by close: neither success nor failure. Leaving the job active makes it a stalled job
      // that another worker runs again at the same attempt, instead of burning a retry on shutdown.
      if (outcome.closing) return new Promise<never>(() => {});
      this.report({ type, id: job.id, attempt, maxAttempts, error: outcome.error, final: retriesLeft <= 0 });
      throw outcome.error;
    });
    this.checkStalledJobsEvery(queue, this.stallIntervalMs);
  }

  async depth(): Promise<Record<JobType, number>> {
    const counts = async () => {
      const entries = await Promise.all(
        JOB_TYPES.map(async (type) => {
          const health = await (this.workers.get(type) ?? (await this.producer(type))).checkHealth();
          return [type, health.waiting + health.delayed] as const;
        }),
      );
      return Object.fromEntries(entries) as Record<JobType, number>;
    };
    return withTimeout(counts(), this.commandTimeoutMs, `job queue: Redis did not report depths within ${this.commandTimeoutMs} ms`);
  }

  close(graceMs: number): Promise<void> {
    this.closing ??= (async () => {
      // Bee-Queue treats a timeout that is not a positive integer as its default of 5 s.
      const timeout = Math.max(1, Math.round(graceMs));
      for (const timer of this.stallTimers.values()) clearTimeout(timer);
      const closes = Promise.allSettled([...this.queues].map((q) => q.close(timeout)));
      await abortAfterGrace(closes, graceMs, this.running);
      await closes;
    })();
    return this.closing;
  }

  /**
   * Bee-Queue checks for stalled jobs once when processing starts; the periodic check is ours. Not
   * `checkStalledJobs(interval, cb)`: when a check fails it still rejects a promise nobody holds, and
   * the unhandled rejection kills the process (a NOSCRIPT between a Redis restart and the script
   * reload was enough). Checks more frequent than the window are no-ops (guarded by a key in Redis).
   */
  private checkStalledJobsEvery(queue: BeeQueue<Envelope>, intervalMs: number): void {
    const check = async () => {
      try {
        await queue.checkStalledJobs();
      } catch (err) {
        if (this.closing) return;
        if (isNoScript(err)) await this.reloadScripts(queue);
        else this.options.onError?.(asError(err));
      }
      if (!this.closing) this.stallTimers.set(queue, setTimeout(() => void check(), intervalMs));
    };
    this.stallTimers.set(queue, setTimeout(() => void check(), intervalMs));
  }

  private producer(type: JobType): Promise<BeeQueue<Envelope>> {
    let producer = this.producers.get(type);
    if (!producer) {
      const queue = this.create(type, { isWorker: false, enableOfflineQueue: false });
      producer = queue.ready();
      this.producers.set(type, producer);
      // With a retry strategy node_redis keeps reconnecting instead of failing `ready`, but if it ever
      // does fail, the next call starts over rather than failing forever.
      producer.catch(() => {
        if (this.producers.get(type) === producer) this.producers.delete(type);
        this.queues.delete(queue);
        void queue.close(1).catch(() => {});
      });
    }
    return producer;
  }

  private create(
    type: JobType,
    settings: { isWorker: boolean; enableOfflineQueue?: boolean } & Omit<BeeQueue.QueueSettings, "isWorker" | "redis" | "prefix">,
  ): BeeQueue<Envelope> {
    const { enableOfflineQueue, ...rest } = settings;
    const queue = new BeeQueue<Envelope>(type, {
      prefix: this.options.prefix,
      redis: {
        url: this.options.redisUrl,
        enable_offline_queue: enableOfflineQueue ?? true,
        // A function here also stops node_redis from emitting every failed reconnect as an error.
        retry_strategy: ({ attempt }: { attempt: number }) => Math.min(attempt * 200, 2_000),
        // node_redis gives up reconnecting after this much total retry time (default one hour); the
        // largest timer Node accepts is about 24.8 days.
        connect_timeout: 2 ** 31 - 1,
      },
      getEvents: false,
      sendEvents: false,
      storeJobs: false,
      ...rest,
    });
    this.queues.add(queue);
    queue.on("error", (err) => this.options.onError?.(err));
    void queue.ready().then(
      () => clientOf(queue).on("ready", () => void this.reloadScripts(queue)),
      () => {},
    );
    return queue;
  }

  /** After a reconnect: reload the scripts, then re-arm delayed-job activation, which stops after a failed run. */
  private async reloadScripts(queue: BeeQueue<Envelope>): Promise<void> {
    try {
      await beeLua.buildCache(clientOf(queue));
      if (queue.settings.activateDelayedJobs && !queue.paused) (queue as unknown as { _activateDelayed(): void })._activateDelayed();
    } catch (err) {
      this.options.onError?.(asError(err));
    }
  }

  private report(failure: JobFailure): void {
    try {
      this.options.onFailure?.(failure);
    } catch (err) {
      this.options.onError?.(asError(err));
    }
  }
}

function clientOf(queue: BeeQueue<Envelope>): NodeRedisClient {
  return (queue as unknown as { client: NodeRedisClient }).client;
}

function isNoScript(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith("NOSCRIPT");
}
