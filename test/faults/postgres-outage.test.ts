import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Code } from "@connectrpc/connect";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../../sdk/src/gen/stuckai/auth/v1/auth_pb.js";
import { ContentType } from "../../sdk/src/gen/stuckai/common/v1/common_pb.js";
import { ContentService } from "../../sdk/src/gen/stuckai/content/v1/content_pb.js";
import { UserService } from "../../sdk/src/gen/stuckai/user/v1/user_pb.js";
import { startApp, type App } from "../../server/app.js";
import { loadConfig } from "../../server/config/config.js";
import { client } from "../helpers/clients.js";
import { expectRpcError } from "../helpers/errors.js";
import { PrivatePostgres } from "../helpers/private-services.js";
import { testEnv } from "../helpers/server.js";

const ACQUIRE_MS = 1_000;
const QUERY_MS = 2_000;

/** The calls a client makes, each timed: none may take much longer than the database timeouts. */
async function timed(call: Promise<unknown>): Promise<{ ms: number; result: PromiseSettledResult<unknown> }> {
  const start = performance.now();
  const [result] = await Promise.allSettled([call]);
  return { ms: performance.now() - start, result: result! };
}

describe("Postgres restarted or hung under the API (a private cluster)", () => {
  let pg: PrivatePostgres;
  let app: App;
  let baseUrl: string;
  let dataDir: string;
  let token = "";

  beforeAll(async () => {
    pg = await PrivatePostgres.create();
    dataDir = mkdtempSync(path.join(tmpdir(), "stuckai-pg-fault-"));
    const env = { DATABASE_URL: pg.url, DB_ACQUIRE_TIMEOUT_MS: String(ACQUIRE_MS), DB_QUERY_TIMEOUT_MS: String(QUERY_MS), STARTER_CATALOG: "always" };
    app = await startApp(loadConfig(testEnv({ dataDir }, env)), pino({ level: "silent" }));
    baseUrl = `http://127.0.0.1:${app.port}`;
    token = (await client(AuthService, "grpc", baseUrl).register({ email: "pg@example.com", password: "passw0rd-x", displayName: "P" })).tokens!.accessToken;
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await pg?.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  }, 120_000);
  afterEach(() => pg.thaw());

  const calls = (): Promise<unknown>[] => [
    client(UserService, "grpc", baseUrl, token).getProfile({}),
    client(ContentService, "connect-json-h1", baseUrl, token).getRecommendations({ contentType: ContentType.MOVIE }),
    client(AuthService, "grpc-web-h1", baseUrl).login({ email: "pg@example.com", password: "passw0rd-x" }),
  ];

  it("fails fast with unavailable while Postgres is stopped, and recovers by itself when it is back", async () => {
    await pg.stop();
    for (const { ms, result } of await Promise.all(calls().map(timed))) {
      expect(result.status).toBe("rejected");
      await expectRpcError(Promise.reject((result as PromiseRejectedResult).reason), { code: Code.Unavailable, reason: "UNAVAILABLE" });
      expect(ms).toBeLessThan(ACQUIRE_MS + QUERY_MS + 1_500);
    }
    await pg.start();
    await expect.poll(async () => (await Promise.allSettled(calls())).map((r) => r.status), { timeout: 20_000, interval: 250 }).toEqual([
      "fulfilled",
      "fulfilled",
      "fulfilled",
    ]);
  }, 60_000);

  it("answers unavailable instead of hanging when Postgres hangs and the pool runs dry", async () => {
    pg.freeze();
    // Far more calls than the pool's 10 connections: the first ones hold connections on a silent server.
    const results = await Promise.all(Array.from({ length: 25 }, () => timed(client(UserService, "grpc", baseUrl, token).getProfile({}))));
    for (const { ms, result } of results) {
      expect(result.status).toBe("rejected");
      await expectRpcError(Promise.reject((result as PromiseRejectedResult).reason), { code: Code.Unavailable, reason: "UNAVAILABLE" });
      expect(ms).toBeLessThan(ACQUIRE_MS + QUERY_MS + 1_500);
    }
    pg.thaw();
    await expect.poll(async () => (await Promise.allSettled(calls())).every((r) => r.status === "fulfilled"), { timeout: 20_000, interval: 250 }).toBe(true);
  }, 60_000);
});
