import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../../sdk/src/gen/stuckai/auth/v1/auth_pb.js";
import { ContentType } from "../../sdk/src/gen/stuckai/common/v1/common_pb.js";
import { ContentService, InteractionType, RecommendationSource, RecommendationStatus } from "../../sdk/src/gen/stuckai/content/v1/content_pb.js";
import { UserService } from "../../sdk/src/gen/stuckai/user/v1/user_pb.js";
import { client } from "../helpers/clients.js";
import { PrivateRedis } from "../helpers/private-services.js";
import { spawnServer, type ServerProcess } from "../helpers/process.js";
import { parseMetrics, valueOf } from "../helpers/prometheus.js";
import { nextReadyList } from "../helpers/recommendations.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { CHAOS, runLoad, sleep } from "./load-loop.js";

// Phases of the run (ms): load with Redis up, Redis down, Redis back.
const PHASE_MS = CHAOS ? 20_000 : 3_000;
const CLIENTS = CHAOS ? 32 : 8;

describe("Redis stopped under load (a private redis-server), with Postgres and a worker process", () => {
  let redis: PrivateRedis;
  let server: TestServer;
  let worker: ServerProcess;
  let n = 0;
  const signUp = async () => {
    const res = await client(AuthService, "grpc", server.baseUrl).register({ email: `ro${++n}@example.com`, password: "passw0rd-x", displayName: "R" });
    return { id: res.user!.id, content: client(ContentService, "grpc", server.baseUrl, res.tokens!.accessToken), token: res.tokens!.accessToken };
  };
  const metric = async (name: string) => valueOf(parseMetrics(await (await fetch(`${server.baseUrl}/metrics`)).text()), name) ?? 0;

  beforeAll(async () => {
    redis = await PrivateRedis.create();
    const env = { REDIS_URL: redis.url, QUEUE_PREFIX: "faults", CATALOG_REFRESH_SECONDS: "1", JOB_STALL_INTERVAL_MS: "1000" };
    server = await startTestServer("postgres", { ...env, STARTER_CATALOG: "always" });
    worker = await spawnServer({ ...env, DATABASE_URL: server.db.databaseUrl!, WORKER_HTTP_PORT: "0", LOG_LEVEL: "info" }, "worker/main.ts");
  });
  afterAll(async () => {
    await worker?.stop();
    await server?.stop();
    await redis?.stop();
  });

  it("keeps answering from Postgres and storing interactions while Redis is down, then caches and queues again without a restart", async () => {
    const users = await Promise.all(Array.from({ length: CLIENTS }, () => signUp()));
    const lists = await Promise.all(users.map((u) => nextReadyList(u.content, { contentType: ContentType.MUSIC, pageSize: 10 })));
    const failOpenBefore = await metric("stuckai_rate_limiter_fail_open_total");
    const logged = new Set<string>();
    const sources = new Set<RecommendationSource>();

    const load = runLoad(CLIENTS, async (w, call) => {
      const u = users[w]!;
      const got = await call("getRecommendations", u.content.getRecommendations({ contentType: ContentType.MUSIC, pageSize: 10 }));
      if (got) {
        expect(got.status).toBe(RecommendationStatus.READY);
        sources.add(got.source);
      }
      const item = lists[w]!.recommendations[Math.floor(Math.random() * 10)]!.item!;
      const res = await call("logInteraction", u.content.logInteraction({ contentItemId: item.id, interactionType: InteractionType.CLICK, idempotencyKey: randomUUID() }));
      if (res) logged.add(res.interactionId);
      await call("getProfile", client(UserService, "grpc", server.baseUrl, u.token).getProfile({}));
    });
    await sleep(PHASE_MS);
    await redis.stop();
    await sleep(PHASE_MS);
    const duringOutage = load.snapshot();
    await redis.start();
    await sleep(PHASE_MS);
    const stats = await load.stop();

    // Every call had a database answer, so none failed: not during the outage, not after it.
    expect(stats.unexpected).toEqual([]);
    for (const [procedure, outcomes] of Object.entries(stats.byProcedure)) expect(outcomes, procedure).toEqual({ ok: outcomes.ok });
    expect(duringOutage.calls).toBeGreaterThan(CLIENTS * 3);
    expect(sources).toContain(RecommendationSource.DATABASE);
    // The limiter let calls through unchecked while Redis was away, and said so.
    expect(await metric("stuckai_rate_limiter_fail_open_total")).toBeGreaterThan(failOpenBefore);
    // Nothing lost: every acknowledged interaction is in Postgres, once.
    const rows = await server.app.orm.em.getConnection().execute("select id from user_interactions where interaction_type = 'click'");
    expect(rows.map((r: { id: string }) => r.id).filter((id: string) => logged.has(id))).toHaveLength(logged.size);
    expect(logged.size).toBe(stats.byProcedure.logInteraction!.ok);

    // The worker rode out the outage (it once died of a failed stalled-job check after the restart).
    expect(worker.child.exitCode).toBeNull();
    // Caching is back: a read fills the (empty, restarted) cache and the next one is a hit.
    const u = users[0]!;
    await expect
      .poll(async () => (await u.content.getRecommendations({ contentType: ContentType.MUSIC })).source, { timeout: 10_000 })
      .toBe(RecommendationSource.CACHE);
    // So is the queue: a new list is generated by the worker.
    const newcomer = await signUp();
    expect((await newcomer.content.getRecommendations({ contentType: ContentType.MOVIE })).status).toBe(RecommendationStatus.GENERATING);
    // Within one stream re-read (30 s) even if the "list ready" event fell between Redis and its reconnecting subscriber.
    const fresh = await nextReadyList(newcomer.content, { contentType: ContentType.MOVIE }, 0, 60_000);
    expect(fresh.recommendations.length).toBeGreaterThan(0);
    console.log(`redis outage: ${stats.calls} calls (${duringOutage.calls} by the end of the outage), ${logged.size} interactions stored, 0 failed`);
  }, 180_000);
});
