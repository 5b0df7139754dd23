import { setTimeout as sleep } from "node:timers/promises";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorInfoSchema } from "../../../sdk/src/gen/google/rpc/error_details_pb.js";
import { AuthService } from "../../../sdk/src/gen/stuckai/auth/v1/auth_pb.js";
import { rateLimiterFailOpen } from "../../../server/observability/metrics.js";
import { appOnPrivateRedis, type AppOnPrivateRedis } from "../../helpers/app-on-private-redis.js";
import { client } from "../../helpers/clients.js";
import { outcome } from "./outcome.js";

const failOpenCount = async () => (await rateLimiterFailOpen.get()).values[0]?.value ?? 0;
const reasonOf = (r: Awaited<ReturnType<typeof outcome>>) => r.error?.findDetails(ErrorInfoSchema)[0]?.reason;

describe("when Redis is unreachable the limiter fails open", () => {
  let fixture: AppOnPrivateRedis;

  beforeAll(async () => {
    fixture = await appOnPrivateRedis({ RATE_LIMITS: "Login=3" });
  });
  afterAll(async () => {
    await fixture?.close();
  });

  it("lets calls through while Redis is down, counting and warning once, and limits again when it is back", { timeout: 90_000 }, async () => {
    const { baseUrl, redis, logs } = fixture;
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
