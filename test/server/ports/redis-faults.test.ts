import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import type { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { JOB_TYPES, type JobFailure, type JobRun, type JobType } from "../../../server/domain/ports/job-queue.js";
import { RedisRecommendationCache } from "../../../server/persistence/cache/redis-recommendation-cache.js";
import { BeeQueueJobQueue } from "../../../server/persistence/queue/bee-queue-job-queue.js";
import { connectRedis } from "../../../server/redis.js";
import { PrivateRedis } from "../../helpers/private-services.js";

const WAIT = { timeout: 30_000, interval: 50 };

describe("RedisRecommendationCache across a Redis outage", () => {
  let server: PrivateRedis;
  let redis: Redis;
  const errors: Error[] = [];

  beforeAll(async () => {
    server = await PrivateRedis.create();
    redis = connectRedis(server.url, pino({ level: "silent" }))!;
  });

  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  it("misses without throwing while Redis is down, and caches again once it is back", async () => {
    const cache = new RedisRecommendationCache(redis, { prefix: "cache:", onError: (e) => errors.push(e) });
    const key = { userId: "traveller", contentType: "music" } as const;
    await cache.set(key, new Uint8Array([1, 2]), 60_000);
    expect((await cache.get(key)).entry?.value).toEqual(new Uint8Array([1, 2]));
    expect(errors).toEqual([]);

    await server.stop();
    await expect(cache.get(key)).resolves.toEqual({ version: 0 });
    await expect(cache.set(key, new Uint8Array([3]), 60_000)).resolves.toBeUndefined();
    await expect(cache.userVersion("traveller")).resolves.toBe(0);
    // Losing a staleness mark silently would serve outdated lists: that one is the caller's to handle.
    await expect(cache.markStale("traveller")).rejects.toThrow();
    expect(errors.length).toBeGreaterThanOrEqual(3);

    await server.start();
    // The restarted server is empty (no persistence) and has no scripts loaded: set must reload its script.
    await vi.waitFor(async () => {
      await cache.set(key, new Uint8Array([4]), 60_000);
      expect((await cache.get(key)).entry?.value).toEqual(new Uint8Array([4]));
    }, WAIT);
    await cache.markStale("traveller");
    expect((await cache.get(key)).entry?.stale).toBe(true);
  });
});

describe("BeeQueueJobQueue with a worker killed mid-job", () => {
  let server: PrivateRedis;
  let worker: ChildProcess | undefined;
  const queues: BeeQueueJobQueue[] = [];
  const STALL_MS = 1_000;

  beforeAll(async () => {
    server = await PrivateRedis.create();
  });

  afterAll(async () => {
    if (worker && worker.exitCode === null && worker.signalCode === null) worker.kill("SIGKILL");
    await Promise.all(queues.map((q) => q.close(1_000)));
    await server.stop();
  });

  const queue = (extra: Partial<ConstructorParameters<typeof BeeQueueJobQueue>[0]> = {}) => {
    const q = new BeeQueueJobQueue({ redisUrl: server.url, prefix: "jobs", stallIntervalMs: STALL_MS, ...extra });
    queues.push(q);
    return q;
  };

  it("runs the job again on another worker, exactly once, at the same attempt", async () => {
    // `node --import tsx`, not the tsx CLI: the CLI runs the script in a child process, which a
    // SIGKILL to the CLI would orphan instead of killing.
    worker = spawn(process.execPath, ["--import", "tsx", "test/server/ports/fixtures/job-worker.ts"], {
      env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? "/tmp", REDIS_URL: server.url, JOB_PREFIX: "jobs", STALL_MS: String(STALL_MS) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    worker.stderr!.on("data", (c) => (stderr += c));
    const started = new Promise<{ started: string; attempt: number }>((resolve, reject) => {
      createInterface({ input: worker!.stdout! }).on("line", (line) => resolve(JSON.parse(line)));
      worker!.once("exit", (code) => reject(new Error(`worker exited with ${code}: ${stderr}`)));
    });

    const producer = queue();
    const payload = { userId: "traveller", contentType: "event" as const, geohash: "u4pru" };
    const { id } = await producer.enqueue("generate", payload, { jobId: "generate:traveller:event:u4pru" });
    expect(await started).toEqual({ started: id, attempt: 1, pid: worker.pid });
    worker.kill("SIGKILL");
    await once(worker, "exit");

    const runs: JobRun<"generate">[] = [];
    const stalled: [JobType, string][] = [];
    const failures: JobFailure[] = [];
    const rescuer = queue({ onStalled: (type, jobId) => stalled.push([type, jobId]), onFailure: (f) => failures.push(f) });
    rescuer.process("generate", 1, async (run) => void runs.push(run));
    await vi.waitFor(() => expect(runs).toHaveLength(1), WAIT);
    expect(runs[0]).toMatchObject({ id, payload, attempt: 1, maxAttempts: 3 });
    expect(stalled).toEqual([["generate", id]]);

    // Two more stall windows: a job run twice, or left behind as active, would show up here.
    await sleep(3 * STALL_MS);
    expect(runs).toHaveLength(1);
    expect(failures).toEqual([]);
    expect(await producer.depth()).toEqual(Object.fromEntries(JOB_TYPES.map((t) => [t, 0])));
    expect(await producer.enqueue("generate", payload, { jobId: id })).toEqual({ id, duplicate: false });
    await vi.waitFor(() => expect(runs).toHaveLength(2), WAIT);
  }, 90_000);
});

describe("BeeQueueJobQueue across a Redis restart", () => {
  let server: PrivateRedis;
  let queue: BeeQueueJobQueue;
  const errors: Error[] = [];

  beforeAll(async () => {
    server = await PrivateRedis.create();
    queue = new BeeQueueJobQueue({
      redisUrl: server.url,
      prefix: "jobs",
      delayedDebounceMs: 20,
      commandTimeoutMs: 1_000,
      policies: { "refresh-user": { attempts: 2, backoffMs: 100 } },
      onError: (e) => errors.push(e),
    });
  });

  afterAll(async () => {
    await queue.close(1_000);
    await server.stop();
  });

  it("refuses jobs promptly while Redis is down, then enqueues, runs and retries again after it restarts", async () => {
    const runs: JobRun<"refresh-user">[] = [];
    queue.process("refresh-user", 1, async (run) => {
      runs.push(run);
      if (run.payload.userId === "flaky" && run.attempt === 1) throw new Error("first run fails");
    });
    await queue.enqueue("refresh-user", { userId: "before" });
    await vi.waitFor(() => expect(runs).toHaveLength(1), WAIT);

    await server.stop();
    await expect(queue.enqueue("refresh-user", { userId: "during" })).rejects.toThrow();

    await server.start();
    // Redis lost Bee-Queue's scripts with the restart: enqueueing (a script) and the retry's delayed
    // activation (another script) only work if the adapter loaded them again.
    await vi.waitFor(() => queue.enqueue("refresh-user", { userId: "flaky" }), WAIT);
    await vi.waitFor(() => expect(runs.map((r) => [r.payload.userId, r.attempt])).toEqual([["before", 1], ["flaky", 1], ["flaky", 2]]), WAIT);
    expect(errors.length).toBeGreaterThan(0); // the outage was reported, not thrown
  }, 90_000);
});

describe("BeeQueueJobQueue when Redis loses its scripts (restart or SCRIPT FLUSH)", () => {
  let server: PrivateRedis;
  let redis: Redis;
  let queue: BeeQueueJobQueue;
  const STALL_MS = 300;

  beforeAll(async () => {
    server = await PrivateRedis.create();
    redis = connectRedis(server.url, pino({ level: "silent" }))!;
    queue = new BeeQueueJobQueue({ redisUrl: server.url, prefix: "flush", stallIntervalMs: STALL_MS });
  });

  afterAll(async () => {
    await queue.close(1_000);
    redis.disconnect();
    await server.stop();
  });

  it("keeps checking for stalled jobs: the failed check reloads the scripts instead of killing the process", async () => {
    const runs: string[] = [];
    queue.process("generate", 2, async (run) => void runs.push(run.id));
    const checked = async () => expect(await redis.exists("flush:generate:stallBlock")).toBe(1);
    await vi.waitFor(checked, WAIT);

    // No reconnect, so nothing else reloads them: only the periodic check can notice.
    await redis.script("FLUSH");
    await redis.del("flush:generate:stallBlock");
    // A check that threw here used to surface as an unhandled rejection, which vitest reports and a
    // worker process dies of.
    await vi.waitFor(checked, WAIT);
    await sleep(3 * STALL_MS);
    const { id } = await queue.enqueue("generate", { userId: "after-flush", contentType: "music" });
    await vi.waitFor(() => expect(runs).toEqual([id]), WAIT);
  }, 60_000);
});
