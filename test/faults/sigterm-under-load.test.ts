import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, describe, expect, it } from "vitest";
import { ErrorInfoSchema } from "../../sdk/src/gen/google/rpc/error_details_pb.js";
import { AuthService } from "../../sdk/src/gen/stuckai/auth/v1/auth_pb.js";
import { UserService } from "../../sdk/src/gen/stuckai/user/v1/user_pb.js";
import { bearer } from "../helpers/clients.js";
import { spawnServer } from "../helpers/process.js";
import { TEST_JWT_SECRET } from "../helpers/server.js";
import { CHAOS, sleep } from "./load-loop.js";

const CLIENTS = CHAOS ? 64 : 16;

/**
 * How a call ended: `answered` when the server sent an error of its own (it carries ErrorInfo),
 * else the client-side failure (a refused connection, a refused HTTP/2 stream, an idle keep-alive
 * connection closed as the request went out), which the test checks the server never saw.
 */
function classify(err: unknown): string {
  if (err instanceof ConnectError && err.findDetails(ErrorInfoSchema).length > 0) return "answered";
  return `unanswered: ${err instanceof ConnectError ? `[${Code[err.code]}] ${err.rawMessage}` : String(err)}`;
}

describe("SIGTERM to the server under load", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "stuckai-sigterm-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("answers every call it took, over HTTP/2 and HTTP/1.1, and exits 0", async () => {
    const server = await spawnServer({ DATA_DIR: dataDir, JWT_SECRET: TEST_JWT_SECRET, SCRYPT_LOG_N: "12", LOG_LEVEL: "info", SHUTDOWN_GRACE_MS: "10000", STARTER_CATALOG: "off",
      // One user calls thousands of times in the long variant: the hourly limit must not be what answers.
      RATE_LIMIT_DEFAULT: "1000000" });
    const baseUrl = `http://127.0.0.1:${server.port}`;
    const reg = await createClient(AuthService, createGrpcTransport({ baseUrl })).register({ email: "term@example.com", password: "passw0rd-x", displayName: "T" });
    const auth = [bearer(reg.tokens!.accessToken)];
    const transports = [createGrpcTransport({ baseUrl, interceptors: auth }), createConnectTransport({ baseUrl, httpVersion: "1.1", interceptors: auth })];
    const outcomes = new Map<string, number>();
    let stopped = false;
    const loops = Array.from({ length: CLIENTS }, async (_, i) => {
      const users = createClient(UserService, transports[i % 2]!);
      while (!stopped) {
        try {
          await users.getProfile({});
          outcomes.set("ok", (outcomes.get("ok") ?? 0) + 1);
        } catch (err) {
          const kind = classify(err);
          outcomes.set(kind, (outcomes.get(kind) ?? 0) + 1);
          if (kind !== "answered") await sleep(20);
        }
      }
    });
    await sleep(CHAOS ? 5_000 : 1_500);
    const okBefore = outcomes.get("ok") ?? 0;
    const exit = server.stop("SIGTERM");
    expect(await exit).toBe(0);
    await sleep(300);
    stopped = true;
    await Promise.all(loops);

    // Every call the server took (it logs each one with its code) reached its client with that answer.
    const handled = server.logs.filter((l) => l.procedure === "stuckai.user.v1.UserService/GetProfile");
    expect((outcomes.get("ok") ?? 0) + (outcomes.get("answered") ?? 0)).toBe(handled.length);
    expect(handled.filter((l) => l.code !== "ok").map((l) => l.code)).toEqual(handled.filter((l) => l.code !== "ok").map(() => "unavailable"));
    expect(okBefore).toBeGreaterThan(CLIENTS);
    // The load really ran into the shutdown: calls were turned away once the port closed.
    expect([...outcomes.keys()].some((k) => k.startsWith("unanswered"))).toBe(true);
    expect(server.logs.filter((l) => (l.level as number) >= 50)).toEqual([]);
    console.log(`sigterm under load: ${JSON.stringify(Object.fromEntries(outcomes))}`);
  }, 60_000);
});
