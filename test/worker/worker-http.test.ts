import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { Redis } from "ioredis";
import { createTestDatabase, type TestDatabase } from "../helpers/databases.js";
import { runFailingServer, spawnServer, type ServerProcess } from "../helpers/process.js";
import { parseMetrics, valueOf } from "../helpers/prometheus.js";
import { uniqueQueuePrefix } from "../helpers/recommendations.js";
import { deleteKeys } from "../server/ratelimit/redis-keys.js";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const QUEUE_PREFIX = uniqueQueuePrefix("worker-http");
let db: TestDatabase;
let worker: ServerProcess;
let baseUrl: string;
beforeAll(async () => {
  db = await createTestDatabase("postgres");
  worker = await spawnServer({ WORKER_HTTP_PORT: "0", DATABASE_URL: db.databaseUrl!, REDIS_URL, QUEUE_PREFIX, WORKER_NICE: "7" }, "worker/main.ts");
  baseUrl = `http://127.0.0.1:${worker.port}`;
});
afterAll(async () => {
  if (worker?.child.exitCode === null) await worker.stop("SIGKILL");
  await db?.drop();
  const redis = new Redis(REDIS_URL);
  await deleteKeys(redis, `${QUEUE_PREFIX}:`);
  redis.disconnect();
});

describe("the worker process (npm run worker)", () => {
  it("logs the port it serves health on, and answers GET /health", async () => {
    expect(worker.logs.find((l) => l.msg === "listening")).toMatchObject({ service: "stuckai-worker", port: worker.port });
    const res = await fetch(`${baseUrl}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("runs at the scheduling niceness WORKER_NICE asks for, so an API server on the same cores comes first", async () => {
    // /proc/<pid>/stat: the 19th field is the nice value (the command name in parentheses may hold spaces).
    const stat = readFileSync(`/proc/${worker.child.pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    expect(Number(fields[16])).toBe(7);
    expect(worker.logs.find((l) => l.msg === "worker runs at a lower scheduling priority")).toMatchObject({ nice: 7 });
  });

  it("serves its own Prometheus registry: process metrics and the jobs counter, none of the API's", async () => {
    const res = await fetch(`${baseUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const samples = parseMetrics(text);
    expect(valueOf(samples, "process_cpu_user_seconds_total")).toBeGreaterThan(0);
    expect(text).toContain("# TYPE stuckai_jobs_total counter");
    expect(text).toContain("# TYPE stuckai_job_duration_seconds histogram");
    expect(text).not.toContain("stuckai_rpc_requests_total");
  });

  it("answers other paths and methods with a clear error", async () => {
    const missing = await fetch(`${baseUrl}/ready`);
    expect(missing.status).toBe(404);
    expect((await missing.json()).error).toContain("GET /health and GET /metrics");
    const post = await fetch(`${baseUrl}/metrics`, { method: "POST" });
    expect(post.status).toBe(405);
  });

  it("stops cleanly on SIGTERM, closing its port", async () => {
    // A kept-alive connection must not hold the shutdown up.
    await fetch(`${baseUrl}/health`);
    expect(await worker.stop("SIGTERM")).toBe(0);
    expect(worker.logs.map((l) => l.msg)).toEqual(expect.arrayContaining(["shutting down", "stopped"]));
    expect(worker.logs.filter((l) => (l.level as number) >= 50)).toEqual([]);
    await expect(fetch(`${baseUrl}/health`)).rejects.toThrow();
  });

  it("refuses a bad WORKER_HTTP_PORT with a message naming it", async () => {
    const { code, stderr } = await runFailingServer({ WORKER_HTTP_PORT: "ninety" }, "worker/main.ts");
    expect(code).toBe(78);
    expect(stderr).toContain('WORKER_HTTP_PORT must be an integer in [0, 65535] (0: any free port), got "ninety"');
  });

  it("refuses to start without REDIS_URL, saying where jobs run instead", async () => {
    const { code, stderr } = await runFailingServer({}, "worker/main.ts");
    expect(code).toBe(78);
    expect(stderr).toContain("REDIS_URL is required");
  });
});
