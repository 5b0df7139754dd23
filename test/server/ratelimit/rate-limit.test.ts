import http from "node:http";
import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorInfoSchema, RetryInfoSchema } from "../../../sdk/src/gen/google/rpc/error_details_pb.js";
import { Health, HealthCheckResponse_ServingStatus } from "../../../sdk/src/gen/grpc/health/v1/health_pb.js";
import { AuthService } from "../../../sdk/src/gen/stuckai/auth/v1/auth_pb.js";
import { UserService } from "../../../sdk/src/gen/stuckai/user/v1/user_pb.js";
import { rateLimited } from "../../../server/observability/metrics.js";
import { client, TRANSPORTS, type TransportName } from "../../helpers/clients.js";
import { expectRpcError } from "../../helpers/errors.js";
import { grpcJsClient, unary } from "../../helpers/grpc-js.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";
import { limits, outcome } from "./outcome.js";
import { deleteKeys, uniquePrefix } from "./redis-keys.js";

const PASSWORD = "s3cret-passphrase";
const LOGIN = "stuckai.auth.v1.AuthService/Login";
let n = 0;
const email = () => `limits.${++n}@example.com`;
let ipSeq = 0;
/** A fresh client address per test, honoured because these servers run with TRUST_PROXY=true. */
const ip = () => `203.0.113.${++ipSeq}`;
const from = (address: string) => ({ "x-forwarded-for": `${address}, 10.0.0.1` });

const limitedCount = async (procedure: string) => (await rateLimited.get()).values.find((v) => v.labels.procedure === procedure)?.value ?? 0;

/** Registers a user (Register is generously limited on every server here) and returns its access token. */
async function register(server: TestServer, address = ip()) {
  const res = await client(AuthService, "connect-binary-h2", server.baseUrl).register(
    { email: email(), password: PASSWORD, displayName: "Limits" },
    { headers: from(address) },
  );
  return res.tokens!.accessToken;
}

describe("rate limits with the in-process limiter (embedded default, no REDIS_URL)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer("sqlite", {
      TRUST_PROXY: "true",
      RATE_LIMIT_DEFAULT: "3",
      RATE_LIMITS: "Login=2,Register=1000000",
    });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it.each(TRANSPORTS)("answers the x-ratelimit headers on success and on error over %s", async (transport) => {
    const token = await register(server);
    const me = await outcome((o) => client(AuthService, transport, server.baseUrl, token).getCurrentUser({}, o), from(ip()));
    expect(me.error).toBeUndefined();
    expect(limits(me.headers)).toMatchObject({ limit: "3", remaining: "2" });
    // Seconds until the call just made leaves the one-hour window.
    expect(Number(me.headers.get("x-ratelimit-reset"))).toBeGreaterThan(3500);
    expect(Number(me.headers.get("x-ratelimit-reset"))).toBeLessThanOrEqual(3600);

    const bad = await outcome((o) => client(AuthService, transport, server.baseUrl).login({ email: email(), password: "wrong-password-1" }, o), from(ip()));
    expect(bad.error?.code).toBe(Code.Unauthenticated);
    expect(bad.error?.findDetails(ErrorInfoSchema)[0]?.reason).toBe("INVALID_CREDENTIALS");
    expect(limits(bad.headers)).toMatchObject({ limit: "2", remaining: "1" });
  });

  it("sends them as HTTP headers on a Connect error and as trailers on a gRPC error", async () => {
    const address = ip();
    const res = await new Promise<http.IncomingMessage>((resolve, reject) =>
      http
        .request(`${server.baseUrl}/${LOGIN}`, { method: "POST", headers: { "content-type": "application/json", ...from(address) } }, (r) => {
          r.resume();
          r.on("end", () => resolve(r));
        })
        .on("error", reject)
        .end(JSON.stringify({ email: email(), password: "wrong-password-1" })),
    );
    expect(res.statusCode).toBe(401);
    expect([res.headers["x-ratelimit-limit"], res.headers["x-ratelimit-remaining"]]).toEqual(["2", "1"]);

    const grpcJs = grpcJsClient(AuthService, `127.0.0.1:${server.app.port}`);
    const metadata = new grpc.Metadata();
    metadata.set("x-forwarded-for", address);
    const err: grpc.ServiceError = await unary(grpcJs, "login", { $typeName: "stuckai.auth.v1.LoginRequest", email: email(), password: "wrong-password-1" }, metadata).then(
      () => expect.fail("login should fail"),
      (e: grpc.ServiceError) => e,
    );
    grpcJs.close();
    expect(err.code).toBe(grpc.status.UNAUTHENTICATED);
    // Same address as the Connect call above: the second of its two logins.
    expect([err.metadata.get("x-ratelimit-limit")[0], err.metadata.get("x-ratelimit-remaining")[0]]).toEqual(["2", "0"]);
  });

  it.each(TRANSPORTS)("refuses calls over the limit over %s: resource_exhausted, RATE_LIMITED, RetryInfo and retry-after", async (transport) => {
    const address = ip();
    const auth = client(AuthService, transport, server.baseUrl);
    const login = (o: object) => auth.login({ email: email(), password: "wrong-password-1" }, { ...o, headers: from(address) });
    for (let i = 0; i < 2; i++) await expectRpcError(login({}), { code: Code.Unauthenticated, reason: "INVALID_CREDENTIALS" });
    const before = await limitedCount(LOGIN);

    const err = await expectRpcError(login({ headers: { "x-request-id": `limited-${transport}` } }), { code: Code.ResourceExhausted, reason: "RATE_LIMITED" });
    expect(await limitedCount(LOGIN)).toBe(before + 1);
    expect(err.rawMessage).toMatch(new RegExp(`^rate limit exceeded: ${LOGIN} allows 2 calls per 3600 s per client IP; retry in \\d+ s$`));
    const [info] = err.findDetails(ErrorInfoSchema);
    expect(info?.metadata).toMatchObject({ procedure: LOGIN, limit: "2", window_seconds: "3600" });
    const [retry] = err.findDetails(RetryInfoSchema);
    const delaySec = Number(retry?.retryDelay?.seconds ?? 0n);
    expect(delaySec).toBeGreaterThan(3500);
    expect(delaySec).toBeLessThanOrEqual(3600);
    const retryAfter = Number(err.metadata.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(delaySec);
    expect(retryAfter).toBeLessThanOrEqual(delaySec + 1);
    expect(err.rawMessage).toContain(`retry in ${retryAfter} s`);
    expect(limits(err.metadata)).toEqual({ limit: "2", remaining: "0", reset: String(retryAfter) });
  });

  it("counts per user, whatever address the user calls from, and per procedure", async () => {
    const [alice, bob] = [await register(server), await register(server)];
    const aliceAuth = client(AuthService, "connect-json-h1", server.baseUrl, alice);
    for (const remaining of ["2", "1", "0"]) {
      const ok = await outcome((o) => aliceAuth.getCurrentUser({}, o), from(ip()));
      expect(ok.error).toBeUndefined();
      expect(ok.headers.get("x-ratelimit-remaining")).toBe(remaining);
    }
    await expectRpcError(aliceAuth.getCurrentUser({}, { headers: from(ip()) }), { code: Code.ResourceExhausted, reason: "RATE_LIMITED" });

    const bobMe = await outcome((o) => client(AuthService, "grpc", server.baseUrl, bob).getCurrentUser({}, o), from(ip()));
    expect(bobMe.error).toBeUndefined();
    expect(bobMe.headers.get("x-ratelimit-remaining")).toBe("2");

    // Another procedure has its own count: whatever GetProfile answers, it is not a refusal.
    const profile = await outcome((o) => client(UserService, "grpc", server.baseUrl, alice).getProfile({}, o), from(ip()));
    expect(profile.error?.findDetails(ErrorInfoSchema)[0]?.reason).not.toBe("RATE_LIMITED");
    expect(limits(profile.headers)).toMatchObject({ limit: "3", remaining: "2" });
  });

  it("counts public calls per client address", async () => {
    const [first, second] = [ip(), ip()];
    const auth = client(AuthService, "connect-binary-h2", server.baseUrl);
    const login = (address: string) => outcome((o) => auth.login({ email: email(), password: "wrong-password-1" }, o), from(address));
    await login(first);
    await login(first);
    expect((await login(first)).error?.code).toBe(Code.ResourceExhausted);
    const other = await login(second);
    expect(other.error?.code).toBe(Code.Unauthenticated);
    expect(other.headers.get("x-ratelimit-remaining")).toBe("1");
  });

  it("never limits health checks", async () => {
    const health = createClient(Health, createGrpcTransport({ baseUrl: server.baseUrl }));
    for (let i = 0; i < 6; i++) {
      const res = await outcome((o) => health.check({ service: "" }, o));
      expect(res.error).toBeUndefined();
      expect(limits(res.headers)).toEqual({ limit: undefined, remaining: undefined, reset: undefined });
    }
    expect((await health.check({ service: "" })).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
  });
});

describe("client address without TRUST_PROXY", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer("sqlite", { RATE_LIMITS: "Login=2,Register=1" });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("ignores X-Forwarded-For and a client-sent internal address header", async () => {
    const auth = client(AuthService, "connect-json-h1", server.baseUrl);
    const login = (headers: Record<string, string>) => outcome((o) => auth.login({ email: email(), password: "wrong-password-1" }, o), headers);
    expect((await login({ "x-forwarded-for": "198.51.100.1" })).error?.code).toBe(Code.Unauthenticated);
    expect((await login({ "x-stuckai-client-ip": "198.51.100.2" })).error?.code).toBe(Code.Unauthenticated);
    const third = await login({ "x-forwarded-for": "198.51.100.3", "x-stuckai-client-ip": "198.51.100.3" });
    expect(third.error?.findDetails(ErrorInfoSchema)[0]?.reason).toBe("RATE_LIMITED");
  });

  it("refuses before the handler runs: a limited Register creates no account", async () => {
    const auth = client(AuthService, "grpc", server.baseUrl);
    await auth.register({ email: email(), password: PASSWORD, displayName: "First" });
    const refused = email();
    await expectRpcError(auth.register({ email: refused, password: PASSWORD, displayName: "Second" }), {
      code: Code.ResourceExhausted,
      reason: "RATE_LIMITED",
    });
    const rows = await server.app.orm.em.fork().getConnection().execute("select count(*) as n from users where email = ?", [refused]);
    expect(Number(rows[0].n)).toBe(0);
  });
});

describe("RATE_LIMIT_ENABLED=false", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer("sqlite", { RATE_LIMIT_ENABLED: "false", RATE_LIMITS: "Login=1" });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("neither counts nor answers the headers", async () => {
    const auth = client(AuthService, "connect-binary-h2", server.baseUrl);
    for (let i = 0; i < 3; i++) {
      const res = await outcome((o) => auth.login({ email: email(), password: "wrong-password-1" }, o));
      expect(res.error?.code).toBe(Code.Unauthenticated);
      expect(res.headers.get("x-ratelimit-limit")).toBeNull();
    }
  });
});

describe("two API processes sharing one Redis", () => {
  const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
  const prefix = uniquePrefix("ratelimit-shared");
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  let servers: TestServer[] = [];
  beforeAll(async () => {
    const env = { REDIS_URL, RATE_LIMIT_KEY_PREFIX: prefix, RATE_LIMITS: "Login=10,Register=1000000" };
    servers = [await startTestServer("sqlite", env), await startTestServer("sqlite", env)];
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await deleteKeys(redis, prefix);
    await redis.quit();
  });

  it("admits exactly the limit out of 50 parallel calls split across both", async () => {
    const account = { email: email(), password: PASSWORD };
    // Each process has its own database: the same account on both, so logins can succeed on either.
    for (const s of servers) await client(AuthService, "connect-binary-h2", s.baseUrl).register({ ...account, displayName: "Shared" });
    const transports: TransportName[] = ["connect-binary-h2", "grpc"];
    const clients = servers.map((s, i) => client(AuthService, transports[i]!, s.baseUrl));
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => outcome((o) => clients[i % 2]!.login(account, o))));

    const ok = results.filter((r) => r.error === undefined);
    expect(ok).toHaveLength(10);
    expect(ok.map((r) => Number(r.headers.get("x-ratelimit-remaining"))).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const reasons = new Set(results.filter((r) => r.error).map((r) => r.error!.findDetails(ErrorInfoSchema)[0]?.reason));
    expect([...reasons]).toEqual(["RATE_LIMITED"]);
    expect(await redis.zcard(`${prefix}${LOGIN}:ip:127.0.0.1`)).toBe(10);
  });
});
