import { Code } from "@connectrpc/connect";
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../../../sdk/src/gen/stuckai/auth/v1/auth_pb.js";
import { UserService } from "../../../sdk/src/gen/stuckai/user/v1/user_pb.js";
import { startApp, type App } from "../../../server/app.js";
import { loadConfig } from "../../../server/config/config.js";
import { client } from "../../helpers/clients.js";
import { createTestDatabase, type TestDatabase } from "../../helpers/databases.js";
import { expectRpcError } from "../../helpers/errors.js";
import { flushUserCache, uniqueQueuePrefix } from "../../helpers/recommendations.js";
import { testEnv } from "../../helpers/server.js";
import { deleteKeys } from "../ratelimit/redis-keys.js";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const PASSWORD = "right passw0rd";
const ACCESS_TTL_SEC = 900;

// The production shape: two API processes on one Postgres and one Redis. An erasure on one must stop
// the account's tokens on the other at once, although both have the account marked as existing.
describe("account erasure across API processes (Postgres, Redis presence marks)", () => {
  const queuePrefix = uniqueQueuePrefix("erasure");
  const ids: string[] = [];
  let db: TestDatabase;
  let apps: App[] = [];
  let redis: Redis;
  const url = (app: App) => `http://127.0.0.1:${app.port}`;

  beforeAll(async () => {
    db = await createTestDatabase("postgres");
    const config = loadConfig(testEnv(db, { REDIS_URL, QUEUE_PREFIX: queuePrefix, ACCESS_TOKEN_TTL_SECONDS: String(ACCESS_TTL_SEC) }));
    apps = [await startApp(config, pino({ level: "silent" })), await startApp(config, pino({ level: "silent" }))];
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await db?.drop();
    if (redis) {
      for (const id of ids) await flushUserCache(redis, id);
      await deleteKeys(redis, `${queuePrefix}:`);
      redis.disconnect();
    }
  });

  async function traveller(n: number) {
    const res = await client(AuthService, "grpc", url(apps[0]!)).register({ email: `erasure.${n}.${Date.now()}@example.com`, password: PASSWORD, displayName: `T${n}` });
    ids.push(res.user!.id);
    return { id: res.user!.id, token: res.tokens!.accessToken };
  }
  const users = (app: App, token: string) => client(UserService, "grpc", url(app), token);

  it("a token marked as existing on both processes stops on both once either erases the account; others go on", async () => {
    const [a, b] = apps as [App, App];
    const me = await traveller(1);
    const other = await traveller(2);
    for (const app of apps) {
      await users(app, me.token).getProfile({});
      await users(app, other.token).getProfile({});
    }
    expect(await redis.get(`account:${me.id}`)).toBe("1");

    await users(a, me.token).deleteAccount({ password: PASSWORD });

    for (const app of [b, a]) await expectRpcError(users(app, me.token).getProfile({}), { code: Code.Unauthenticated, reason: "TOKEN_REVOKED" });
    expect(await redis.get(`account:${me.id}`)).toBe("0");
    // Kept as long as a token issued before the erasure can live (plus the clock margin).
    const ttl = await redis.pttl(`account:${me.id}`);
    expect(ttl).toBeGreaterThan(ACCESS_TTL_SEC * 1000);
    expect(ttl).toBeLessThanOrEqual(ACCESS_TTL_SEC * 1000 + 5 * 60_000);
    expect((await users(b, other.token).getProfile({})).profile).toBeDefined();
  });

  it("with the marks flushed from Redis, the database still refuses an erased account's token", async () => {
    const me = await traveller(3);
    await users(apps[1]!, me.token).getProfile({});
    await users(apps[0]!, me.token).deleteAccount({ password: PASSWORD });
    await flushUserCache(redis, me.id);
    await expectRpcError(users(apps[1]!, me.token).getProfile({}), { code: Code.Unauthenticated, reason: "TOKEN_REVOKED" });
    // The database's "no" is not remembered as a mark.
    expect(await redis.get(`account:${me.id}`)).toBeNull();
  });
});
