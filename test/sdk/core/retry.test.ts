import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createStuckClient,
  isStuckError,
  systemClock,
  type RetryEvent,
  type StuckClientCommonOptions,
  type StuckError,
} from "../../../sdk/src/node/index.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";
import { FakeClock } from "../helpers/fake-clock.js";
import { startHangingServer, type HangingServer } from "../helpers/hanging-server.js";
import { countCalls, failBeforeSending } from "../helpers/interceptors.js";

const PASSWORD = "retry-passw0rd";

describe("SDK retries and deadlines", () => {
  let server: TestServer;
  let hanging: HangingServer;
  let n = 0;

  beforeAll(async () => {
    // GetProfile: one call per second per user, to meet the rate limiter's RetryInfo.
    server = await startTestServer("sqlite", {
      RATE_LIMITS: "Login=1000000,Register=1000000,GetProfile=1",
      RATE_LIMIT_WINDOW_SECONDS: "1",
    });
    hanging = await startHangingServer();
  });
  afterAll(async () => {
    await server?.stop();
    await hanging?.close();
  });

  async function signedIn(options: StuckClientCommonOptions & { interceptors?: Parameters<typeof createStuckClient>[0]["interceptors"] } = {}) {
    const counts = new Map<string, number>();
    const events: RetryEvent[] = [];
    const { interceptors = [], retry, ...rest } = options;
    const client = createStuckClient({
      baseUrl: server.baseUrl,
      ...rest,
      retry: retry === false ? false : { ...retry, onRetry: (e) => events.push(e) },
      interceptors: [countCalls(counts), ...interceptors],
    });
    await client.auth.register({ email: `retry${++n}.${Date.now()}@example.com`, password: PASSWORD, displayName: "R" });
    counts.clear();
    return { client, counts, events };
  }

  it("backs off exponentially with full jitter up to the cap, then succeeds", async () => {
    for (const [random, expected] of [
      [0.5, [50, 100, 200, 400, 500]],
      [0.9999, [99, 199, 399, 799, 999]],
      [0, [0, 0, 0, 0, 0]],
    ] as const) {
      const clock = new FakeClock();
      const t = await signedIn({
        clock,
        random: () => random,
        retry: { maxAttempts: 6, initialDelayMs: 100, maxDelayMs: 1000, budget: false },
        interceptors: [failBeforeSending("GetCurrentUser", 5)],
      });
      const me = await t.client.auth.getCurrentUser();
      expect(me.user).toBeDefined();
      expect(clock.sleeps).toEqual(expected);
      expect(t.counts.get("GetCurrentUser")).toBe(6);
      expect(t.events.map((e) => [e.procedure, e.attempt, e.error.code])).toEqual(
        [2, 3, 4, 5, 6].map((a) => ["stuckai.auth.v1.AuthService/GetCurrentUser", a, Code.Unavailable]),
      );
    }
  });

  it("gives up after maxAttempts with the last error", async () => {
    const clock = new FakeClock();
    const t = await signedIn({ clock, random: () => 0.5, retry: { budget: false }, interceptors: [failBeforeSending("GetCurrentUser", 100)] });
    const err: StuckError = await t.client.auth.getCurrentUser().catch((e) => e);
    expect(isStuckError(err, "UNAVAILABLE")).toBe(true);
    expect(t.counts.get("GetCurrentUser")).toBe(4); // the default
    expect(clock.sleeps).toEqual([100, 200, 400]); // default 200 ms initial bound, halved by random 0.5
  });

  it("waits as long as the rate limiter's RetryInfo says, then succeeds", async () => {
    const sleeps: number[] = [];
    const t = await signedIn({ clock: { now: Date.now, sleep: (ms, s) => (sleeps.push(ms), systemClock.sleep(ms, s)) } });
    await t.client.users.getProfile({});
    const started = Date.now();
    const res = await t.client.users.getProfile({});
    expect(res.profile).toBeDefined();
    // Normally one refusal; a second if the retry lands a hair before the window slides.
    expect(t.events.length).toBeGreaterThanOrEqual(1);
    expect(t.events.length).toBeLessThanOrEqual(2);
    expect(t.counts.get("GetProfile")).toBe(2 + t.events.length);
    for (const { error } of t.events) {
      expect(error.reason).toBe("RATE_LIMITED");
      expect(error.retryAfterMs).toBeGreaterThan(0);
      expect(error.retryAfterMs).toBeLessThanOrEqual(1000);
    }
    // Not the jittered backoff: exactly the server's delays, and real time passed.
    expect(sleeps).toEqual(t.events.map((e) => e.error.retryAfterMs));
    expect(Date.now() - started).toBeGreaterThanOrEqual(t.events[0]!.error.retryAfterMs! - 5);
  });

  it("does not wait when the server asks for longer than maxRetryAfterMs: raises at once", async () => {
    const clock = new FakeClock();
    const t = await signedIn({ clock, retry: { maxRetryAfterMs: 50 } });
    await t.client.users.getProfile({});
    const err: StuckError = await t.client.users.getProfile({}).catch((e) => e);
    expect(err.reason).toBe("RATE_LIMITED");
    expect(err.retryAfterMs).toBeGreaterThan(50);
    expect(t.counts.get("GetProfile")).toBe(2);
    expect(clock.sleeps).toEqual([]);
  });

  it("never retries a call that is not idempotent", async () => {
    const clock = new FakeClock();
    const t = await signedIn({ clock, interceptors: [failBeforeSending("Login", 1)] });
    const err: StuckError = await t.client.auth.login({ email: "nobody@example.com", password: PASSWORD }).catch((e) => e);
    expect(err.code).toBe(Code.Unavailable);
    expect(t.counts.get("Login")).toBe(1);
    expect(clock.sleeps).toEqual([]);
  });

  it("never retries a message the server refused as too large (resource_exhausted, but retrying cannot help)", async () => {
    const clock = new FakeClock();
    const t = await signedIn({ clock });
    const huge = { profile: { keywords: Array.from({ length: 5 }, () => "k".repeat(1024 * 1024)) }, updateMask: { paths: ["keywords"] } };
    const err: StuckError = await t.client.users.updateProfile(huge).catch((e) => e);
    expect([err.code, err.reason, err.fromServer]).toEqual([Code.ResourceExhausted, "MESSAGE_TOO_LARGE", true]);
    expect(t.counts.get("UpdateProfile")).toBe(1);
    expect(clock.sleeps).toEqual([]);
  });

  it("stops retrying when the retry budget is spent, and earns it back with successes", async () => {
    const clock = new FakeClock();
    const t = await signedIn({
      clock,
      retry: { maxAttempts: 10, budget: { maxTokens: 4, tokenRatio: 1 } },
      interceptors: [failBeforeSending("GetCurrentUser", 1000)],
    });
    const attempts = async () => {
      t.counts.clear();
      await t.client.auth.getCurrentUser().catch(() => undefined);
      return t.counts.get("GetCurrentUser");
    };
    expect(await attempts()).toBe(2); // 4 tokens → 3 → 2: at half, no more retries
    expect(await attempts()).toBe(1); // 2 → 1
    // Answers from the server, even errors, are not outages but earn nothing back.
    for (let i = 0; i < 3; i++) await t.client.content.getContentItem({ id: "00000000-0000-4000-8000-000000000000" }).catch(() => undefined);
    expect(await attempts()).toBe(1); // 1 → 0
    for (let i = 0; i < 4; i++) await t.client.auth.refreshToken(); // four successes: 0 → 4
    expect(await attempts()).toBe(2);
  });

  it("gives every unary call a default deadline, sent to the server and enforced locally", async () => {
    for (const protocol of ["connect", "grpc"] as const) {
      hanging.requests.length = 0;
      const client = createStuckClient({ baseUrl: hanging.baseUrl, protocol, auth: { token: "t" }, timeoutMs: 300, retry: false });
      const started = Date.now();
      const err: StuckError = await client.users.getProfile({}).catch((e) => e);
      const elapsed = Date.now() - started;
      expect(err.code, protocol).toBe(Code.DeadlineExceeded);
      expect(err.reason).toBe("DEADLINE_EXCEEDED");
      expect(elapsed).toBeGreaterThanOrEqual(250);
      expect(elapsed).toBeLessThan(3000);
      const sent = hanging.requests[0]!;
      if (protocol === "connect") expect(Number(sent["connect-timeout-ms"])).toBeLessThanOrEqual(300);
      else expect(sent["grpc-timeout"]).toMatch(/^\d+m$/);
      // A call's own timeoutMs wins.
      await client.users.getProfile({}, { timeoutMs: 100 }).catch(() => undefined);
      if (protocol === "connect") expect(Number(hanging.requests[1]!["connect-timeout-ms"])).toBeLessThanOrEqual(100);
    }
  });

  it("retries an idempotent call whose attempt ran out of time, each attempt with a fresh deadline", async () => {
    hanging.requests.length = 0;
    const clock = new FakeClock();
    const client = createStuckClient({ baseUrl: hanging.baseUrl, auth: { token: "t" }, timeoutMs: 200, clock, retry: { maxAttempts: 3, budget: false } });
    const err: StuckError = await client.users.getProfile({}).catch((e) => e);
    expect(err.code).toBe(Code.DeadlineExceeded);
    expect(hanging.requests.map((h) => Number(h["connect-timeout-ms"]) > 100)).toEqual([true, true, true]);
    expect(clock.sleeps).toHaveLength(2);
  });

  it("stops waiting for a retry as soon as the caller's signal aborts", async () => {
    const t = await signedIn({ random: () => 0.99, retry: { initialDelayMs: 20_000, budget: false }, interceptors: [failBeforeSending("GetCurrentUser", 100)] });
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 50);
    const started = Date.now();
    const err: StuckError = await t.client.auth.getCurrentUser({}, { signal: abort.signal }).catch((e) => e);
    expect(err.code).toBe(Code.Canceled);
    expect(err.reason).toBe("CANCELED");
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
