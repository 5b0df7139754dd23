import { setTimeout as sleep } from "node:timers/promises";
import { Code } from "@connectrpc/connect";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorInfoSchema } from "../../../sdk/src/gen/google/rpc/error_details_pb.js";
import { AuthService } from "../../../sdk/src/gen/stuckai/auth/v1/auth_pb.js";
import { startApp, type App } from "../../../server/app.js";
import { loadConfig } from "../../../server/config/config.js";
import { rateLimiterFailOpen } from "../../../server/observability/metrics.js";
import { client } from "../../helpers/clients.js";
import { createTestDatabase, type TestDatabase } from "../../helpers/databases.js";
import { PrivateRedis } from "../../helpers/private-services.js";
import { testEnv } from "../../helpers/server.js";
import { outcome } from "./outcome.js";

const failOpenCount = async () => (await rateLimiterFailOpen.get()).values[0]?.value ?? 0;
const reasonOf = (r: Awaited<ReturnType<typeof outcome>>) => r.error?.findDetails(ErrorInfoSchema)[0]?.reason;

describe("when Redis is unreachable the limiter fails open", () => {
  // A Redis of this test's own, so it can be stopped without disturbing anyone else's.
  let redis: PrivateRedis;
  let db: TestDatabase;
  let app: App;
  const logs: Record<string, unknown>[] = [];
  let baseUrl: string;

  beforeAll(async () => {
    redis = await PrivateRedis.create();
    db = await createTestDatabase("sqlite");
    const config = loadConfig(testEnv(db, { REDIS_URL: redis.url, RATE_LIMITS: "Login=3" }));
    const logger = pino({ level: "warn" }, { write: (line: string) => void logs.push(JSON.parse(line)) });
    app = await startApp(config, logger);
    baseUrl = `http://127.0.0.1:${app.port}`;
  });
  afterAll(async () => {
    await app?.close();
    await redis?.stop();
    await db?.drop();
  });

  it("lets calls through while Redis is down, counting and warning once, and limits again when it is back", { timeout: 90_000 }, async () => {
    const auth = client(AuthService, "connect-binary-h2", baseUrl);
    const login = () => outcome((o) => auth.login({ email: "nobody@example.com", password: "wrong-password-1" }, o));
    const refresh = () => outcome((o) => auth.refreshToken({ refreshToken: "not-a-token" }, o));

    /** Until the client has (re)connected, calls go through unchecked; a checked call carries the headers. */
    const untilLimiterUsesRedis = async () => {
      const deadline = Date.now() + 60_000;
      while ((await refresh()).headers.get("x-ratelimit-limit") === null) {
        if (Date.now() > deadline) throw new Error("the limiter did not use Redis within 60 s");
        await sleep(200);
      }
    };

    // Limited through Redis.
    await untilLimiterUsesRedis();
    for (let i = 0; i < 3; i++) expect(reasonOf(await login())).toBe("INVALID_CREDENTIALS");
    expect(reasonOf(await login())).toBe("RATE_LIMITED");

    await redis.stop();
    const before = await failOpenCount();
    const logsBefore = logs.length;
    for (let i = 0; i < 5; i++) {
      const res = await login();
      expect(res.error?.code).toBe(Code.Unauthenticated);
      expect(reasonOf(res)).toBe("INVALID_CREDENTIALS");
      // Unchecked calls carry no figures rather than made-up ones.
      expect(res.headers.get("x-ratelimit-limit")).toBeNull();
    }
    expect(await failOpenCount()).toBe(before + 5);
    const warned = (from: number) => logs.slice(from).filter((l) => l.msg === "rate limiter unavailable; letting calls through unchecked");
    expect(warned(0)).toHaveLength(1);
    expect(warned(logsBefore)).toHaveLength(1);

    // Same port, empty data, no cached script: the client reconnects and reloads the script by itself.
    await redis.start();
    await untilLimiterUsesRedis();
    const remaining = [];
    for (let i = 0; i < 3; i++) {
      const res = await login();
      expect(reasonOf(res)).toBe("INVALID_CREDENTIALS");
      remaining.push(res.headers.get("x-ratelimit-remaining"));
    }
    expect(remaining).toEqual(["2", "1", "0"]);
    expect(reasonOf(await login())).toBe("RATE_LIMITED");
  });
});

describe("when Redis is unreachable the account check warns once, not per call", () => {
  let redis: PrivateRedis;
  let db: TestDatabase;
  let app: App;
  const logs: Record<string, unknown>[] = [];

  beforeAll(async () => {
    redis = await PrivateRedis.create();
    db = await createTestDatabase("sqlite");
    const logger = pino({ level: "warn" }, { write: (line: string) => void logs.push(JSON.parse(line)) });
    app = await startApp(loadConfig(testEnv(db, { REDIS_URL: redis.url })), logger);
  });
  afterAll(async () => {
    await app?.close();
    await redis?.stop();
    await db?.drop();
  });

  it("answers every call from the database and logs one line for the outage", { timeout: 60_000 }, async () => {
    const baseUrl = `http://127.0.0.1:${app.port}`;
    const registered = await client(AuthService, "connect-binary-h2", baseUrl).register({ email: "outage@example.com", password: "passw0rd-outage", displayName: "O" });
    const me = client(AuthService, "connect-binary-h2", baseUrl, registered.tokens!.accessToken);
    await redis.stop();
    const logsBefore = logs.length;
    for (let i = 0; i < 6; i++) expect((await me.getCurrentUser({})).user?.email).toBe("outage@example.com");
    const presence = logs.slice(logsBefore).filter((l) => l.component === "account-presence");
    expect(presence, JSON.stringify(presence)).toHaveLength(1);
    expect(presence[0]).toMatchObject({ msg: "account presence error; the database answers", suppressed: 0 });
  });
});
