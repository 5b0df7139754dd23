import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Health, HealthCheckResponse_ServingStatus as Status } from "../../../sdk/src/gen/grpc/health/v1/health_pb.js";
import { AuthService } from "../../../sdk/src/gen/stuckai/auth/v1/auth_pb.js";
import { ContentService } from "../../../sdk/src/gen/stuckai/content/v1/content_pb.js";
import { startApp, type App } from "../../../server/app.js";
import { loadConfig } from "../../../server/config/config.js";
import { client } from "../../helpers/clients.js";
import { PrivatePostgres, PrivateRedis } from "../../helpers/private-services.js";
import { testEnv } from "../../helpers/server.js";

interface Answer {
  status: number;
  body: any;
}

async function get(baseUrl: string, path: string): Promise<Answer> {
  // Far above the 1 s check timeout, far below anything a hung database would take: a probe must never hang.
  const res = await fetch(`${baseUrl}${path}`, { signal: AbortSignal.timeout(20_000) });
  return { status: res.status, body: await res.json() };
}

/** Polls until `done` holds; dependency changes show after up to one cached report (1 s) plus reconnects. */
async function until(baseUrl: string, path: string, done: (a: Answer) => boolean): Promise<Answer> {
  const deadline = Date.now() + 30_000;
  let last: Answer | undefined;
  while (Date.now() < deadline) {
    last = await get(baseUrl, path);
    if (done(last)) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${path} never reached the expected state; last answer: ${JSON.stringify(last)}`);
}

async function startOn(env: Record<string, string>): Promise<{ app: App; baseUrl: string; dataDir: string }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "stuckai-ready-"));
  const config = loadConfig(testEnv({ dataDir }, { HEALTH_CHECK_TIMEOUT_MS: "1000", ...env }));
  const app = await startApp(config, pino({ level: "silent" }));
  return { app, baseUrl: `http://127.0.0.1:${app.port}`, dataDir };
}

/** Collects a Watch stream's statuses as they arrive. */
function watch(health: Client<typeof Health>, service: string) {
  const seen: Status[] = [];
  const abort = new AbortController();
  const done = (async () => {
    for await (const res of health.watch({ service }, { signal: abort.signal })) seen.push(res.status);
  })().catch(() => {});
  return { seen, stop: () => (abort.abort(), done) };
}

async function eventually(check: () => void | Promise<void>): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

describe("readiness with PostgreSQL going away and coming back (a private cluster)", () => {
  let pg: PrivatePostgres;
  let server: Awaited<ReturnType<typeof startOn>>;
  let health: Client<typeof Health>;

  beforeAll(async () => {
    pg = await PrivatePostgres.create();
    server = await startOn({ DATABASE_URL: pg.url });
    health = createClient(Health, createGrpcTransport({ baseUrl: server.baseUrl }));
  }, 120_000);
  afterAll(async () => {
    await server?.app.close();
    await pg?.destroy();
    if (server) rmSync(server.dataDir, { recursive: true, force: true });
  }, 120_000);
  afterEach(() => pg.thaw());

  it("is ready with every dependency named, and reports details on /health/detailed", async () => {
    const ready = await get(server.baseUrl, "/ready");
    expect(ready).toEqual({
      status: 200,
      body: {
        status: "ready",
        failing: [],
        dependencies: { database: { status: "ok" }, migrations: { status: "ok" }, redis: { status: "not configured" } },
      },
    });
    const detailed = await get(server.baseUrl, "/health/detailed");
    expect(detailed.status).toBe(200);
    expect(detailed.body).toMatchObject({
      status: "ready",
      dependencies: {
        database: { status: "ok", kind: "postgres", latencyMs: expect.any(Number) },
        migrations: { status: "ok", pending: 0, latencyMs: expect.any(Number) },
        redis: { status: "not configured" },
      },
      queue: { status: "ok", depth: expect.any(Number) },
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      uptimeSeconds: expect.any(Number),
      node: process.version,
      pid: process.pid,
    });
    expect((await health.check({ service: "" })).status).toBe(Status.SERVING);
  });

  it("answers 503 naming the database while it is stopped, and 200 again once it is back, without a restart", async () => {
    const watcher = watch(health, "");
    await eventually(() => expect(watcher.seen).toEqual([Status.SERVING]));

    await pg.stop();
    const down = await until(server.baseUrl, "/ready", (a) => a.status === 503);
    expect(down.body).toMatchObject({ status: "unavailable", failing: ["database"], dependencies: { database: { status: "down" } } });
    expect(down.body.dependencies.database.error).toMatch(/\S/);
    expect((await get(server.baseUrl, "/health")).status).toBe(200); // liveness is not readiness
    expect((await get(server.baseUrl, "/health/detailed")).body.dependencies.database.status).toBe("down");
    expect((await health.check({ service: "" })).status).toBe(Status.NOT_SERVING);
    expect((await health.check({ service: AuthService.typeName })).status).toBe(Status.NOT_SERVING);
    await eventually(() => expect(watcher.seen).toEqual([Status.SERVING, Status.NOT_SERVING]));

    await pg.start();
    const up = await until(server.baseUrl, "/ready", (a) => a.status === 200);
    expect(up.body.failing).toEqual([]);
    expect((await health.check({ service: ContentService.typeName })).status).toBe(Status.SERVING);
    await eventually(() => expect(watcher.seen).toEqual([Status.SERVING, Status.NOT_SERVING, Status.SERVING]));
    await watcher.stop();
    // The pool recovered: a real call reaches the database again.
    const reg = await client(AuthService, "connect-json-h1", server.baseUrl).register({
      email: "back@example.com",
      password: "correct horse 42",
      displayName: "Back",
    });
    expect(reg.user?.email).toBe("back@example.com");
  }, 120_000);

  it("answers 503 instead of hanging when the database stops answering", async () => {
    pg.freeze();
    const hung = await until(server.baseUrl, "/ready", (a) => a.status === 503);
    expect(hung.body.failing).toEqual(["database"]);
    expect(hung.body.dependencies.database.error).toBe("no answer within 1000 ms");
    expect((await health.check({ service: "" })).status).toBe(Status.NOT_SERVING);
    pg.thaw();
    await until(server.baseUrl, "/ready", (a) => a.status === 200);
  }, 120_000);
});

describe("readiness with Redis going away and coming back (a private redis-server)", () => {
  let redis: PrivateRedis;
  let server: Awaited<ReturnType<typeof startOn>>;
  let health: Client<typeof Health>;

  beforeAll(async () => {
    redis = await PrivateRedis.create();
    server = await startOn({ REDIS_URL: redis.url, RATE_LIMIT_KEY_PREFIX: `readiness-test-${process.pid}:` });
    health = createClient(Health, createGrpcTransport({ baseUrl: server.baseUrl }));
  }, 120_000);
  afterAll(async () => {
    await server?.app.close();
    await redis?.stop();
    if (server) rmSync(server.dataDir, { recursive: true, force: true });
  }, 120_000);

  it("names Redis when it is down; services that need it stop serving, the others keep serving", async () => {
    // The connection is made in the background after start.
    const up = await until(server.baseUrl, "/ready", (a) => a.status === 200);
    expect(up.body.dependencies.redis).toEqual({ status: "ok" });

    await redis.stop();
    const down = await until(server.baseUrl, "/ready", (a) => a.status === 503);
    expect(down.body).toMatchObject({ failing: ["redis"], dependencies: { database: { status: "ok" }, redis: { status: "down" } } });
    expect((await health.check({ service: "" })).status).toBe(Status.NOT_SERVING);
    expect((await health.check({ service: ContentService.typeName })).status).toBe(Status.NOT_SERVING);
    // Auth's only use of Redis is rate limiting, which fails open.
    expect((await health.check({ service: AuthService.typeName })).status).toBe(Status.SERVING);

    await redis.start();
    await until(server.baseUrl, "/ready", (a) => a.status === 200);
    expect((await health.check({ service: ContentService.typeName })).status).toBe(Status.SERVING);
  }, 120_000);
});
