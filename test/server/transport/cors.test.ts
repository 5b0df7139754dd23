import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../../../sdk/src/gen/stuckai/auth/v1/auth_pb.js";
import { ConfigError, loadConfig } from "../../../server/config/config.js";
import { http1, type RawResponse } from "../../helpers/raw-http.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";

const APP = "https://app.example.com";
const DEV = "http://localhost:5173";
const LOGIN = "/stuckai.auth.v1.AuthService/Login";

const corsHeaders = (res: RawResponse) => Object.keys(res.headers).filter((h) => h.startsWith("access-control-"));
const list = (value: string | string[] | undefined) =>
  String(value ?? "")
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);

/** What a browser sends before a cross-origin Connect or gRPC-Web POST. */
const preflight = (server: TestServer, origin: string, requestHeaders = "content-type,connect-protocol-version,authorization") =>
  http1(`${server.baseUrl}${LOGIN}`, {
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": requestHeaders },
  });

/** A Connect JSON unary call as fetch() in a page sends it (after the preflight). */
const connectPost = (server: TestServer, headers: Record<string, string>) =>
  http1(`${server.baseUrl}${LOGIN}`, {
    method: "POST",
    headers: { "content-type": "application/json", "connect-protocol-version": "1", ...headers },
    body: JSON.stringify({ email: "nobody@example.com", password: "wrong-password-1" }),
  });

describe("CORS with listed origins", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer("sqlite", { CORS_ORIGINS: `${APP}, ${DEV}` });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("answers a preflight from a listed origin with 204, the protocol headers, and a cache lifetime", async () => {
    for (const origin of [APP, DEV]) {
      const res = await preflight(server, origin);
      expect(res.status).toBe(204);
      expect(res.body.length).toBe(0);
      expect(res.headers["access-control-allow-origin"]).toBe(origin);
      expect(list(res.headers["access-control-allow-methods"])).toEqual(expect.arrayContaining(["post", "get"]));
      expect(list(res.headers["access-control-allow-headers"])).toEqual(
        expect.arrayContaining([
          "content-type",
          "connect-protocol-version",
          "connect-timeout-ms",
          "x-grpc-web",
          "x-user-agent",
          "grpc-timeout",
          "authorization",
          "x-request-id",
        ]),
      );
      expect(Number(res.headers["access-control-max-age"])).toBeGreaterThan(0);
      expect(list(res.headers.vary)).toContain("origin");
      // Credentials (cookies) are never needed: tokens travel in the authorization header.
      expect(res.headers["access-control-allow-credentials"]).toBeUndefined();
    }
  });

  it("refuses a preflight from any other origin with 403 and no CORS headers, matching origins exactly", async () => {
    for (const origin of ["https://evil.example.net", "http://app.example.com", "https://app.example.com:8443", "https://app.example.com.evil.net", "null"]) {
      const res = await preflight(server, origin);
      expect(res.status, origin).toBe(403);
      expect(corsHeaders(res), origin).toEqual([]);
    }
  });

  it("lets the page read a Connect answer and the headers it needs from a listed origin", async () => {
    const res = await connectPost(server, { origin: APP, "x-request-id": "cors-connect-1" });
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body.toString()).code).toBe("unauthenticated");
    expect(res.headers["access-control-allow-origin"]).toBe(APP);
    expect(list(res.headers.vary)).toContain("origin");
    expect(res.headers["x-request-id"]).toBe("cors-connect-1");
    expect(list(res.headers["access-control-expose-headers"])).toEqual(
      expect.arrayContaining([
        "grpc-status",
        "grpc-message",
        "grpc-status-details-bin",
        "x-request-id",
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
        "retry-after",
      ]),
    );
  });

  it("gives a gRPC-Web call from a listed origin the allow-origin and exposes its status headers", async () => {
    const auth = createClient(AuthService, createGrpcWebTransport({ baseUrl: server.baseUrl, httpVersion: "1.1" }));
    const err = await auth.login({ email: "nobody@example.com", password: "wrong-password-1" }, { headers: { origin: DEV } }).then(
      () => expect.fail("login should fail"),
      (e: unknown) => ConnectError.from(e),
    );
    expect(err.code).toBe(Code.Unauthenticated);
    // A trailers-only answer: the response headers arrive with the error.
    const headers = err.metadata;
    expect(headers?.get("access-control-allow-origin")).toBe(DEV);
    expect(list(headers?.get("access-control-expose-headers") ?? "")).toEqual(
      expect.arrayContaining(["grpc-status", "grpc-message", "grpc-status-details-bin", "x-request-id"]),
    );
  });

  it("adds no CORS headers for an unlisted origin (the browser then withholds the answer) or for no origin", async () => {
    const evil = await connectPost(server, { origin: "https://evil.example.net" });
    expect(evil.status).toBe(401);
    expect(corsHeaders(evil)).toEqual([]);
    // Shared caches must not hand one origin's answer to another.
    expect(list(evil.headers.vary)).toContain("origin");

    const sameOrigin = await connectPost(server, {});
    expect(sameOrigin.status).toBe(401);
    expect(corsHeaders(sameOrigin)).toEqual([]);
  });

  it("keeps the plain HTTP routes same-origin", async () => {
    const res = await http1(`${server.baseUrl}/health`, { headers: { origin: APP } });
    expect(res.status).toBe(200);
    expect(corsHeaders(res)).toEqual([]);
  });
});

describe("CORS by configuration", () => {
  it("sends no CORS headers and refuses every preflight when CORS_ORIGINS is unset (same-origin only)", async () => {
    const server = await startTestServer("sqlite");
    try {
      const pre = await preflight(server, APP);
      expect(pre.status).toBe(403);
      expect(corsHeaders(pre)).toEqual([]);
      const post = await connectPost(server, { origin: APP });
      expect(post.status).toBe(401);
      expect(corsHeaders(post)).toEqual([]);
      expect(post.headers.vary).toBeUndefined();
    } finally {
      await server.stop();
    }
  });

  it('allows any origin with "*" when that is configured explicitly, without varying by origin', async () => {
    const server = await startTestServer("sqlite", { CORS_ORIGINS: "*" });
    try {
      const pre = await preflight(server, "https://anyone.example.org");
      expect(pre.status).toBe(204);
      expect(pre.headers["access-control-allow-origin"]).toBe("*");
      const post = await connectPost(server, { origin: "https://anyone.example.org" });
      expect(post.headers["access-control-allow-origin"]).toBe("*");
      expect(list(post.headers["access-control-expose-headers"])).toContain("x-request-id");
      expect(post.headers.vary).toBeUndefined();
    } finally {
      await server.stop();
    }
  });

  it("rejects values that could never match a browser's Origin, suggesting the right form", () => {
    const problems = (value: string) => {
      try {
        loadConfig({ CORS_ORIGINS: value });
        return [];
      } catch (err) {
        if (err instanceof ConfigError) return err.problems;
        throw err;
      }
    };
    expect(problems(`${APP}, ${DEV}`)).toEqual([]);
    expect(loadConfig({ CORS_ORIGINS: ` ${APP} ,${DEV},` }).corsOrigins).toEqual(new Set([APP, DEV]));
    expect(loadConfig({}).corsOrigins).toEqual(new Set());
    expect(problems("https://app.example.com/")).toEqual([expect.stringMatching(/^CORS_ORIGINS: .*did you mean "https:\/\/app\.example\.com"\?/)]);
    expect(problems("https://App.Example.com:443")).toEqual([expect.stringContaining('did you mean "https://app.example.com"?')]);
    expect(problems("app.example.com")).toEqual([expect.stringContaining("is not an origin")]);
    expect(problems("ftp://files.example.com")).toEqual([expect.stringContaining("is not an origin")]);
    expect(problems(`*, ${APP}`)).toEqual([expect.stringContaining('"*" allows every origin and must be the only entry')]);
  });
});
