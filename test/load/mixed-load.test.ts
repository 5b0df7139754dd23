import { randomUUID } from "node:crypto";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../../sdk/src/gen/stuckai/auth/v1/auth_pb.js";
import { ContentType } from "../../sdk/src/gen/stuckai/common/v1/common_pb.js";
import { ContentService, InteractionType, RecommendationStatus, type Recommendation } from "../../sdk/src/gen/stuckai/content/v1/content_pb.js";
import { UserService } from "../../sdk/src/gen/stuckai/user/v1/user_pb.js";
import { bearer } from "../helpers/clients.js";
import { createTestDatabase, type TestDatabase } from "../helpers/databases.js";
import { spawnServer, type ServerProcess } from "../helpers/process.js";
import { parseMetrics, valueOf } from "../helpers/prometheus.js";
import { flushUserCache, nextReadyList, uniqueQueuePrefix } from "../helpers/recommendations.js";
import { TEST_JWT_SECRET } from "../helpers/server.js";
import { deleteKeys } from "../server/ratelimit/redis-keys.js";
import { CHAOS, runLoad, sleep } from "../faults/load-loop.js";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const CLIENTS = CHAOS ? 200 : 40;
const USERS = CHAOS ? 100 : 20;
const DURATION_MS = CHAOS ? 60_000 : 8_000;
const WARM_UP_MS = CHAOS ? 10_000 : 2_000;
/**
 * Growth allowed of the heap's floor (its lowest samples, after collections) from the first quarter
 * after warm-up to the last. The quick run sees the garbage collector's sawtooth more than any trend
 * (about 70 MB between major collections at this call rate, on a quiet machine), so its bound is looser;
 * the long run is the memory test.
 */
const HEAP_BOUND_BYTES = (CHAOS ? 64 : 128) * 1024 * 1024;
const HEAP_SAMPLE_MS = 250;
const CITIES = [
  { latitude: 38.7103, longitude: -9.1366 },
  { latitude: 48.8566, longitude: 2.3522 },
  { latitude: 35.6812, longitude: 139.7671 },
];

describe(`mixed load: ${CLIENTS} concurrent clients for ${DURATION_MS / 1000} s against Postgres, Redis and 2 workers`, () => {
  const prefix = uniqueQueuePrefix("load");
  let db: TestDatabase;
  let server: ServerProcess;
  const workers: ServerProcess[] = [];
  const userIds: string[] = [];
  let baseUrl = "";

  beforeAll(async () => {
    db = await createTestDatabase("postgres");
    const env = { DATABASE_URL: db.databaseUrl!, REDIS_URL, QUEUE_PREFIX: prefix, JWT_SECRET: TEST_JWT_SECRET, LOG_LEVEL: "warn" };
    server = await spawnServer({ ...env, LOG_LEVEL: "info", SCRYPT_LOG_N: "12", STARTER_CATALOG: "always", RATE_LIMIT_DEFAULT: "1000000", RATE_LIMITS: "Register=1000000", DB_POOL_SIZE: "20" });
    baseUrl = `http://127.0.0.1:${server.port}`;
    for (let i = 0; i < 2; i++) workers.push(await spawnServer({ ...env, LOG_LEVEL: "info", WORKER_HTTP_PORT: "0" }, "worker/main.ts"));
  }, 120_000);
  afterAll(async () => {
    // Errors the server logged explain a failed call (the client only sees a request id).
    const errors = server?.logs.filter((l) => (l.level as number) >= 50) ?? [];
    if (errors.length > 0) console.error("server errors:", JSON.stringify(errors, null, 1).slice(0, 4000));
    for (const w of workers) await w.stop();
    await server?.stop();
    await db?.drop();
    const redis = new Redis(REDIS_URL);
    await deleteKeys(redis, `${prefix}:`);
    for (const id of userIds) await flushUserCache(redis, id);
    redis.disconnect();
  });

  it("answers every call, keeps every interaction, and holds its heap", async () => {
    const anonymous = createClient(AuthService, createGrpcTransport({ baseUrl }));
    const users = await Promise.all(
      Array.from({ length: USERS }, async (_, i) => {
        const reg = await anonymous.register({ email: `load${i}@example.com`, password: "passw0rd-x", displayName: "L" });
        userIds.push(reg.user!.id);
        const transport = createGrpcTransport({ baseUrl, interceptors: [bearer(reg.tokens!.accessToken)] });
        const profile = createClient(UserService, transport);
        await profile.updateProfile({ profile: { interests: [["jazz", "food"], ["museums", "history"], ["nightlife", "rock"]][i % 3]!, location: CITIES[i % 3] } });
        return { content: createClient(ContentService, transport), profile, seen: [] as Recommendation[] };
      }),
    );
    // Steady state first: every user's four lists exist (the load itself then mixes cache and database hits).
    const types = [ContentType.MUSIC, ContentType.MOVIE, ContentType.PLACE, ContentType.EVENT];
    await Promise.all(users.map(async (u) => {
      for (const contentType of types) await nextReadyList(u.content, { contentType }, 0, 90_000);
    }));
    const heap = async () => valueOf(parseMetrics(await (await fetch(`${baseUrl}/metrics`)).text()), "nodejs_heap_size_used_bytes");
    const logged: string[] = [];
    const load = runLoad(CLIENTS, async (c, call) => {
      const u = users[c % USERS]!;
      const r = Math.random();
      if (r < 0.5) {
        const res = await call("getRecommendations", u.content.getRecommendations({ contentType: types[c % 4]!, pageSize: 20 }));
        if (res?.status === RecommendationStatus.READY && res.recommendations.length > 0) u.seen = res.recommendations;
        else await sleep(50); // GENERATING: a client would wait on the stream
      } else if (r < 0.8 && u.seen.length > 0) {
        const rec = u.seen[Math.floor(Math.random() * u.seen.length)]!;
        const kinds = [InteractionType.VIEW, InteractionType.CLICK, InteractionType.SAVE, InteractionType.LIKE];
        const res = await call(
          "logInteraction",
          u.content.logInteraction({ contentItemId: rec.item!.id, interactionType: kinds[Math.floor(Math.random() * kinds.length)]!, idempotencyKey: randomUUID() }),
        );
        if (res) logged.push(res.interactionId);
      } else {
        await call("getProfile", u.profile.getProfile({}));
      }
    });
    await sleep(WARM_UP_MS);
    const samples: number[] = [];
    const sampler = setInterval(() => void heap().then((h) => samples.push(h)), HEAP_SAMPLE_MS);
    await sleep(DURATION_MS - WARM_UP_MS);
    clearInterval(sampler);
    const stats = await load.stop();
    const quarter = Math.max(1, Math.floor(samples.length / 4));
    const heapAfterWarmUp = Math.min(...samples.slice(0, quarter));
    const heapAtEnd = Math.min(...samples.slice(-quarter));

    expect(stats.unexpected).toEqual([]);
    expect(server.logs.filter((l) => (l.level as number) >= 50)).toEqual([]);
    for (const [procedure, outcomes] of Object.entries(stats.byProcedure)) expect(outcomes, procedure).toEqual({ ok: outcomes.ok });
    expect(stats.byProcedure.logInteraction?.ok ?? 0).toBeGreaterThan(CLIENTS);
    // Nothing lost: every acknowledged interaction is in Postgres.
    const pg = await import("pg");
    const client = new pg.default.Client({ connectionString: db.databaseUrl });
    await client.connect();
    const { rows } = await client.query("select count(*)::int as n from user_interactions where id = any($1::uuid[])", [logged]);
    await client.end();
    expect(rows[0].n).toBe(logged.length);
    expect(heapAtEnd - heapAfterWarmUp).toBeLessThan(HEAP_BOUND_BYTES);
    console.log(
      `mixed load: ${stats.calls} calls in ${DURATION_MS / 1000} s by ${CLIENTS} clients (${JSON.stringify(stats.byProcedure)}), ` +
        `${logged.length} interactions stored and counted, heap floor ${mb(heapAfterWarmUp)} MB after warm-up → ${mb(heapAtEnd)} MB at the end ` +
        `(${samples.length} samples, max ${mb(Math.max(...samples))} MB; bound +${mb(HEAP_BOUND_BYTES)} MB)`,
    );
  }, DURATION_MS + 180_000);
});

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
