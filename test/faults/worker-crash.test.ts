import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../../sdk/src/gen/stuckai/auth/v1/auth_pb.js";
import { ContentType } from "../../sdk/src/gen/stuckai/common/v1/common_pb.js";
import { ContentService, RecommendationStatus } from "../../sdk/src/gen/stuckai/content/v1/content_pb.js";
import { client } from "../helpers/clients.js";
import { parseMetrics, valueOf } from "../helpers/prometheus.js";
import { flushUserCache, nextReadyList, uniqueQueuePrefix } from "../helpers/recommendations.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { deleteKeys } from "../server/ratelimit/redis-keys.js";
import { sleep } from "./load-loop.js";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const STALL_MS = 1_000;

interface Worker {
  readonly child: ChildProcess;
  readonly port: number;
}

/** `node --import tsx`, not the tsx CLI: a SIGKILL must reach the worker itself, not a wrapper. */
async function startWorker(env: Record<string, string>): Promise<Worker> {
  const child = spawn(process.execPath, ["--import", "tsx", "worker/main.ts"], {
    env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? "/tmp", WORKER_HTTP_PORT: "0", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (c) => (stderr += c));
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const entry = JSON.parse(line) as { msg?: string; port?: number };
      if (entry.msg === "listening") resolve(entry.port!);
    });
    child.once("exit", (code) => reject(new Error(`worker exited with ${code}: ${stderr}`)));
  });
  return { child, port };
}

describe("a worker killed with SIGKILL holding a generation job", () => {
  const prefix = uniqueQueuePrefix("crash");
  const workers: Worker[] = [];
  let server: TestServer;
  let redis: Redis;
  let userId = "";

  beforeAll(async () => {
    const env = { REDIS_URL, QUEUE_PREFIX: prefix, JOB_STALL_INTERVAL_MS: String(STALL_MS) };
    server = await startTestServer("postgres", { ...env, STARTER_CATALOG: "always" });
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill("SIGKILL");
    await server?.stop();
    await deleteKeys(redis, `${prefix}:`);
    if (userId) await flushUserCache(redis, userId);
    redis.disconnect();
  });

  it("has the job run again by another worker, completed once, leaving one whole list", async () => {
    const env = { DATABASE_URL: server.db.databaseUrl!, REDIS_URL, QUEUE_PREFIX: prefix, JOB_STALL_INTERVAL_MS: String(STALL_MS) };
    const doomed = await startWorker(env);
    workers.push(doomed);
    await sleep(1_500); // its queues are listening and its catalog is indexed
    // Frozen, its connection still waits on the queue: Redis hands it the next job, which it never finishes.
    doomed.child.kill("SIGSTOP");

    const reg = await client(AuthService, "grpc", server.baseUrl).register({ email: "crash@example.com", password: "passw0rd-x", displayName: "C" });
    userId = reg.user!.id;
    const content = client(ContentService, "grpc", server.baseUrl, reg.tokens!.accessToken);
    expect((await content.getRecommendations({ contentType: ContentType.MUSIC })).status).toBe(RecommendationStatus.GENERATING);
    const jobId = `generate:${userId}:music`;
    await expect.poll(() => redis.lrange(`${prefix}:generate:active`, 0, -1), { timeout: 5_000 }).toContain(jobId);

    doomed.child.kill("SIGKILL");
    await once(doomed.child, "exit");
    const rescuer = await startWorker(env);
    workers.push(rescuer);
    const list = await nextReadyList(content, { contentType: ContentType.MUSIC, pageSize: 100 }, 0, 30_000);

    // Two more stall windows: a job run twice, or left behind as active, would show up here.
    await sleep(3 * STALL_MS);
    const metrics = parseMetrics(await (await fetch(`http://127.0.0.1:${rescuer.port}/metrics`)).text());
    expect(valueOf(metrics, "stuckai_jobs_total", { job_type: "generate", outcome: "completed" })).toBe(1);
    expect(await redis.lrange(`${prefix}:generate:active`, 0, -1)).toEqual([]);
    const rows = (await server.app.orm.em
      .getConnection()
      .execute("select generated_at from content_recommendations where user_id = ? and content_type = 'music'", [userId])) as { generated_at: unknown }[];
    expect(rows).toHaveLength(list.recommendations.length);
    expect(new Set(rows.map((r) => String(r.generated_at))).size).toBe(1);
  }, 90_000);
});
