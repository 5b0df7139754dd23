import { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { jobId, JOB_TYPES, type JobFailure, type JobQueue, type JobQueueOptions, type JobRun, type JobType } from "../../../server/domain/ports/job-queue.js";
import { BeeQueueJobQueue } from "../../../server/persistence/queue/bee-queue-job-queue.js";
import { InProcessJobQueue } from "../../../server/persistence/queue/in-process-job-queue.js";
import { deleteKeys, uniquePrefix } from "../ratelimit/redis-keys.js";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const prefix = uniquePrefix("job-queue-contract");
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });

interface Harness {
  readonly queue: JobQueue;
  readonly failures: JobFailure[];
  readonly errors: Error[];
}

const open: Harness[] = [];
let n = 0;

// Short backoffs keep the retry tests quick; attempts stay at 3 so "gives up" is observable.
const TEST_POLICIES: JobQueueOptions["policies"] = Object.fromEntries(JOB_TYPES.map((t) => [t, { attempts: 3, backoffMs: 100, timeoutMs: 10_000 }]));

const factories: [string, (policies?: JobQueueOptions["policies"]) => Harness][] = [
  ["in-process", (policies) => harness((o) => new InProcessJobQueue(o), policies)],
  [
    "bee-queue",
    (policies) =>
      // A prefix per queue instance: a job left waiting by one test must not reach the next one's worker.
      harness((o) => new BeeQueueJobQueue({ ...o, redisUrl: REDIS_URL, prefix: `${prefix}${++n}`, delayedDebounceMs: 20 }), policies),
  ],
];

function harness(make: (options: JobQueueOptions) => JobQueue, policies = TEST_POLICIES): Harness {
  const failures: JobFailure[] = [];
  const errors: Error[] = [];
  const h = { queue: make({ policies: { ...TEST_POLICIES, ...policies }, onFailure: (f) => failures.push(f), onError: (e) => errors.push(e) }), failures, errors };
  open.push(h);
  return h;
}

afterEach(async () => {
  const closing = open.splice(0);
  await Promise.all(closing.map((h) => h.queue.close(2_000)));
  for (const h of closing) expect(h.errors).toEqual([]);
});

afterAll(async () => {
  await deleteKeys(redis, prefix);
  await redis.quit();
});

const WAIT = { timeout: 20_000, interval: 20 };
const gate = () => {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
};
const zeroDepth = Object.fromEntries(JOB_TYPES.map((t) => [t, 0])) as Record<JobType, number>;

describe.each(factories)("JobQueue contract: %s", (_name, make) => {
  it("runs an enqueued job once, with its id and payload, at attempt 1", async () => {
    const { queue } = make();
    const runs: JobRun<"generate">[] = [];
    queue.process("generate", 1, async (run) => void runs.push(run));
    const id = jobId("generate", "user-1", "place", "u4pru");
    expect(id).toBe("generate:user-1:place:u4pru");
    const payload = { userId: "user-1", contentType: "place" as const, geohash: "u4pru", latitude: 57.6, longitude: 10.4 };
    expect(await queue.enqueue("generate", payload, { jobId: id })).toEqual({ id, duplicate: false });
    await vi.waitFor(() => expect(runs).toHaveLength(1), WAIT);
    expect(runs[0]).toMatchObject({ id, type: "generate", payload, attempt: 1, maxAttempts: 3 });
    expect(runs[0]!.signal.aborted).toBe(false);
  });

  it("gives jobs without an id distinct generated ids and runs each", async () => {
    const { queue } = make();
    const seen: string[] = [];
    queue.process("refresh-user", 2, async (run) => void seen.push(run.id));
    const a = await queue.enqueue("refresh-user", { userId: "a" });
    const b = await queue.enqueue("refresh-user", { userId: "a" });
    expect(a.duplicate || b.duplicate).toBe(false);
    expect(a.id).not.toBe(b.id);
    await vi.waitFor(() => expect(seen.sort()).toEqual([a.id, b.id].sort()), WAIT);
  });

  it("coalesces a duplicate while the job waits, runs it with the first payload, then frees the id", async () => {
    const { queue } = make();
    const id = jobId("prefetch", "user-2");
    expect(await queue.enqueue("prefetch", { userId: "user-2", contentTypes: ["music"] }, { jobId: id })).toEqual({ id, duplicate: false });
    expect(await queue.enqueue("prefetch", { userId: "user-2", contentTypes: ["movie"] }, { jobId: id })).toEqual({ id, duplicate: true });
    expect((await queue.enqueue("prefetch", { userId: "user-3", contentTypes: ["movie"] }, { jobId: jobId("prefetch", "user-3") })).duplicate).toBe(false);
    // The same id in another type's queue is another job.
    expect((await queue.enqueue("refresh-user", { userId: "user-2" }, { jobId: id })).duplicate).toBe(false);
    expect((await queue.depth()).prefetch).toBe(2);

    const runs: JobRun<"prefetch">[] = [];
    queue.process("prefetch", 1, async (run) => void runs.push(run));
    await vi.waitFor(() => expect(runs).toHaveLength(2), WAIT);
    expect(runs.find((r) => r.id === id)!.payload.contentTypes).toEqual(["music"]);

    expect(await queue.enqueue("prefetch", { userId: "user-2", contentTypes: ["event"] }, { jobId: id })).toEqual({ id, duplicate: false });
    await vi.waitFor(() => expect(runs).toHaveLength(3), WAIT);
    expect(runs[2]!.payload.contentTypes).toEqual(["event"]);
  });

  it("coalesces a duplicate while the job runs", async () => {
    const { queue } = make();
    const release = gate();
    const started = gate();
    let runs = 0;
    queue.process("generate", 1, async () => {
      runs++;
      started.open();
      await release.opened;
    });
    const id = jobId("generate", "user-4", "music");
    await queue.enqueue("generate", { userId: "user-4", contentType: "music" }, { jobId: id });
    await started.opened;
    expect(await queue.enqueue("generate", { userId: "user-4", contentType: "music" }, { jobId: id })).toEqual({ id, duplicate: true });
    release.open();
    await vi.waitFor(async () => expect(await queue.enqueue("generate", { userId: "user-4", contentType: "music" }, { jobId: id })).toEqual({ id, duplicate: false }), WAIT);
    await vi.waitFor(() => expect(runs).toBe(2), WAIT);
  });

  it("retries a failing job with exponential backoff until it succeeds, reporting each failed run", async () => {
    const h = make();
    const runs: { attempt: number; at: number }[] = [];
    h.queue.process("interaction-analytics", 1, async (run) => {
      runs.push({ attempt: run.attempt, at: performance.now() });
      if (run.attempt < 3) throw new Error(`flaky ${run.attempt}`);
    });
    const { id } = await h.queue.enqueue("interaction-analytics", { userId: "user-5" }, { jobId: "analytics:user-5" });
    await vi.waitFor(() => expect(runs).toHaveLength(3), WAIT);
    expect(runs.map((r) => r.attempt)).toEqual([1, 2, 3]);
    // 100 ms before the first retry, 200 ms before the second (a little slack for timer rounding).
    expect(runs[1]!.at - runs[0]!.at).toBeGreaterThanOrEqual(95);
    expect(runs[2]!.at - runs[1]!.at).toBeGreaterThanOrEqual(195);
    expect(h.failures.map((f) => [f.type, f.id, f.attempt, f.maxAttempts, f.error.message, f.final])).toEqual([
      ["interaction-analytics", id, 1, 3, "flaky 1", false],
      ["interaction-analytics", id, 2, 3, "flaky 2", false],
    ]);
    await vi.waitFor(async () => expect(await h.queue.depth()).toEqual(zeroDepth), WAIT);
  });

  it("gives up after the last attempt, reports the final failure and frees the id", async () => {
    const h = make({ "cleanup-expired": { attempts: 2, backoffMs: 50 } });
    let runs = 0;
    h.queue.process("cleanup-expired", 1, async () => {
      runs++;
      throw new Error("database gone");
    });
    await h.queue.enqueue("cleanup-expired", {}, { jobId: "cleanup" });
    await vi.waitFor(() => expect(h.failures).toHaveLength(2), WAIT);
    expect(h.failures.map((f) => [f.attempt, f.maxAttempts, f.final, f.error.message])).toEqual([
      [1, 2, false, "database gone"],
      [2, 2, true, "database gone"],
    ]);
    expect(runs).toBe(2);
    await vi.waitFor(async () => expect((await h.queue.enqueue("cleanup-expired", {}, { jobId: "cleanup" })).duplicate).toBe(false), WAIT);
    await vi.waitFor(() => expect(runs).toBe(3), WAIT);
  });

  it("fails a run that exceeds its time limit, aborting its signal", async () => {
    const h = make({ "rebuild-similarity": { attempts: 1, timeoutMs: 200 } });
    const signals: AbortSignal[] = [];
    h.queue.process("rebuild-similarity", 1, async (run) => {
      signals.push(run.signal);
      await new Promise((resolve) => run.signal.addEventListener("abort", resolve));
    });
    await h.queue.enqueue("rebuild-similarity", { contentType: "movie" });
    await vi.waitFor(() => expect(h.failures).toHaveLength(1), WAIT);
    expect(h.failures[0]).toMatchObject({ type: "rebuild-similarity", attempt: 1, maxAttempts: 1, final: true });
    expect(h.failures[0]!.error.message).toMatch(/timed out after 200 ms/);
    expect(signals[0]!.aborted).toBe(true);
  });

  it("never runs more jobs of a type at once than its concurrency", async () => {
    const { queue } = make();
    let active = 0;
    let peak = 0;
    let done = 0;
    queue.process("prefetch", 2, async () => {
      peak = Math.max(peak, ++active);
      await new Promise((resolve) => setTimeout(resolve, 100));
      active--;
      done++;
    });
    for (let i = 0; i < 6; i++) await queue.enqueue("prefetch", { userId: `c${i}`, contentTypes: ["music"] });
    await vi.waitFor(() => expect(done).toBe(6), WAIT);
    expect(peak).toBe(2);
  });

  it("reports the depth of every type: waiting and delayed jobs, not running ones", async () => {
    const { queue } = make();
    expect(await queue.depth()).toEqual(zeroDepth);
    const release = gate();
    const started = gate();
    await queue.enqueue("generate", { userId: "d1", contentType: "music" });
    await queue.enqueue("generate", { userId: "d2", contentType: "music" });
    await queue.enqueue("cleanup-expired", {}, { delayMs: 60_000 });
    await queue.enqueue("prefetch", { userId: "d1", contentTypes: [] });
    expect(await queue.depth()).toEqual({ ...zeroDepth, generate: 2, "cleanup-expired": 1, prefetch: 1 });
    queue.process("generate", 1, async () => {
      started.open();
      await release.opened;
    });
    await started.opened;
    expect((await queue.depth()).generate).toBe(1);
    release.open();
    await vi.waitFor(async () => expect(await queue.depth()).toEqual({ ...zeroDepth, "cleanup-expired": 1, prefetch: 1 }), WAIT);
  });

  it("holds a delayed job back until its delay has passed", async () => {
    const { queue } = make();
    let ranAt: number | undefined;
    queue.process("refresh-user", 1, async () => void (ranAt = performance.now()));
    const enqueuedAt = performance.now();
    await queue.enqueue("refresh-user", { userId: "late" }, { delayMs: 300 });
    await vi.waitFor(() => expect(ranAt).toBeDefined(), WAIT);
    expect(ranAt! - enqueuedAt).toBeGreaterThanOrEqual(295);
  });

  it("close waits for a running job to finish, then refuses new jobs", async () => {
    const { queue } = make();
    const started = gate();
    let finished = false;
    queue.process("generate", 1, async (run) => {
      started.open();
      await new Promise((resolve) => setTimeout(resolve, 300));
      finished = !run.signal.aborted;
    });
    await queue.enqueue("generate", { userId: "closing", contentType: "movie" });
    await started.opened;
    await queue.close(10_000);
    expect(finished).toBe(true);
    await expect(queue.enqueue("generate", { userId: "closing", contentType: "movie" })).rejects.toThrow(/closed/);
    expect(() => queue.process("prefetch", 1, async () => {})).toThrow(/closed/);
  });

  it("close stops waiting after the grace period, aborting the run without reporting a failure", async () => {
    const h = make();
    const started = gate();
    let signal: AbortSignal | undefined;
    h.queue.process("generate", 1, async (run) => {
      signal = run.signal;
      started.open();
      await new Promise(() => {}); // a handler that ignores its signal
    });
    await h.queue.enqueue("generate", { userId: "stuck", contentType: "movie" });
    await started.opened;
    const t = performance.now();
    await h.queue.close(300);
    expect(performance.now() - t).toBeLessThan(10_000);
    expect(signal!.aborted).toBe(true);
    expect(h.failures).toEqual([]);
  });

  it("rejects numeric or empty job ids, bad delays, bad concurrency and a second handler for a type", async () => {
    const { queue } = make();
    await expect(queue.enqueue("refresh-user", { userId: "x" }, { jobId: "42" })).rejects.toThrow(RangeError);
    await expect(queue.enqueue("refresh-user", { userId: "x" }, { jobId: "" })).rejects.toThrow(RangeError);
    await expect(queue.enqueue("refresh-user", { userId: "x" }, { delayMs: -1 })).rejects.toThrow(RangeError);
    expect(() => queue.process("refresh-user", 0, async () => {})).toThrow(RangeError);
    queue.process("refresh-user", 1, async () => {});
    expect(() => queue.process("refresh-user", 1, async () => {})).toThrow(/already registered/);
  });
});
