import { createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../../../sdk/src/gen/stuckai/auth/v1/auth_pb.js";
import { createStuckClient, isStuckError, type AuthSession, type StuckNodeClientOptions } from "../../../sdk/src/node/index.js";

type Options = Omit<StuckNodeClientOptions, "baseUrl">;
import { makeTransport } from "../../helpers/clients.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";
import { countCalls, failBeforeSending, recordAuthorization } from "../helpers/interceptors.js";
import { expiredCopyOf } from "../helpers/tokens.js";

const PASSWORD = "sdk-passw0rd";

describe("SDK sessions against a real server", () => {
  let server: TestServer;
  let n = 0;

  beforeAll(async () => {
    server = await startTestServer("sqlite");
  });
  afterAll(async () => {
    await server?.stop();
  });

  function setUp(options: Options = {}) {
    const counts = new Map<string, number>();
    const seen: { method: string; authorization: string | null }[] = [];
    const changes: (AuthSession | undefined)[] = [];
    const client = createStuckClient({
      baseUrl: server.baseUrl,
      auth: { onSessionChange: (s) => changes.push(s) },
      ...options,
      interceptors: [countCalls(counts), recordAuthorization(seen), ...(options.interceptors ?? [])],
    });
    return { client, counts, seen, changes, email: `session${++n}.${Date.now()}@example.com` };
  }

  /** Signs up, then makes the stored access token one the server refuses as expired. */
  async function signedInWithExpiredToken(options: Options = {}) {
    const t = setUp(options);
    await t.client.auth.register({ email: t.email, password: PASSWORD, displayName: "Sess" });
    const before = (await t.client.auth.getSession())!;
    await t.client.auth.setSession({ ...before, accessToken: expiredCopyOf(before.accessToken) });
    t.counts.clear();
    t.changes.length = 0;
    return { ...t, before };
  }

  it("stores the session at registration and login, and sends its access token with every call", async () => {
    const t = setUp();
    const reg = await t.client.auth.register({ email: t.email, password: PASSWORD, displayName: "Reg" });
    expect(t.changes).toHaveLength(1);
    expect(t.changes[0]).toMatchObject({ accessToken: reg.tokens!.accessToken, refreshToken: reg.tokens!.refreshToken, user: { id: reg.user!.id, email: t.email } });
    expect(t.changes[0]!.accessTokenExpiresAt).toBeGreaterThan(Date.now());

    const login = await t.client.auth.login({ email: t.email, password: PASSWORD });
    expect((await t.client.auth.getSession())!.refreshToken).toBe(login.tokens!.refreshToken);
    const me = await t.client.auth.getCurrentUser();
    expect(me.user!.id).toBe(reg.user!.id);
    const profile = await t.client.users.getProfile({});
    expect(profile.profile).toBeDefined();
    // Public RPCs go without a token; the others carry the newest one.
    expect(t.seen.map((s) => [s.method, s.authorization])).toEqual([
      ["Register", null],
      ["Login", null],
      ["GetCurrentUser", `Bearer ${login.tokens!.accessToken}`],
      ["GetProfile", `Bearer ${login.tokens!.accessToken}`],
    ]);
  });

  it("refreshes once for 20 concurrent calls refused with TOKEN_EXPIRED, then retries each of them", async () => {
    const t = await signedInWithExpiredToken();
    const results = await Promise.all(Array.from({ length: 20 }, () => t.client.auth.getCurrentUser()));
    expect(results.map((r) => r.user!.email)).toEqual(Array(20).fill(t.email));
    expect(t.counts.get("RefreshToken")).toBe(1);
    expect(t.counts.get("GetCurrentUser")).toBe(40); // each refused once, then sent again
    const after = (await t.client.auth.getSession())!;
    expect(after.refreshToken).not.toBe(t.before.refreshToken);
    expect(after.user?.email).toBe(t.email);
    expect(t.changes).toEqual([after]);
    // A second refresh with the same token would have ended the session as TOKEN_REUSED; it is alive.
    await t.client.auth.refreshToken();
    expect((await t.client.users.getProfile({})).profile).toBeDefined();
  });

  it("refreshes before sending when the stored expiry has passed: one refresh, no refused call", async () => {
    const t = setUp();
    await t.client.auth.register({ email: t.email, password: PASSWORD, displayName: "Pre" });
    const s = (await t.client.auth.getSession())!;
    await t.client.auth.setSession({ ...s, accessTokenExpiresAt: Date.now() - 1000 });
    t.counts.clear();
    await Promise.all(Array.from({ length: 20 }, () => t.client.users.getProfile({})));
    expect(Object.fromEntries(t.counts)).toEqual({ RefreshToken: 1, GetProfile: 20 });
    expect((await t.client.auth.getSession())!.accessTokenExpiresAt).toBeGreaterThan(Date.now());
  });

  it("ends the session when the server refuses the refresh, failing every waiting call with the typed error", async () => {
    const t = await signedInWithExpiredToken();
    // The session was ended elsewhere (another device logged out everywhere).
    await createClient(AuthService, makeTransport("grpc", server.baseUrl)).logout({ refreshToken: t.before.refreshToken, allSessions: true });
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => t.client.auth.getCurrentUser()));
    expect(t.counts.get("RefreshToken")).toBe(1);
    for (const o of outcomes) {
      expect(o.status).toBe("rejected");
      const err = (o as PromiseRejectedResult).reason;
      expect(isStuckError(err, "TOKEN_REVOKED"), String(err)).toBe(true);
      expect(err.requestId).toMatch(/\S/);
    }
    expect(await t.client.auth.getSession()).toBeUndefined();
    expect(t.changes).toEqual([undefined]);
  });

  it("keeps the session when the refresh fails on the network, and retries it with the call", async () => {
    const t = await signedInWithExpiredToken({
      retry: { initialDelayMs: 1, budget: false },
      interceptors: [failBeforeSending("RefreshToken", 1)],
    });
    const me = await t.client.auth.getCurrentUser();
    expect(me.user!.email).toBe(t.email);
    expect((await t.client.auth.getSession())!.refreshToken).not.toBe(t.before.refreshToken);
  });

  it("sends a static token as it is and never refreshes it", async () => {
    const owner = setUp();
    const reg = await owner.client.auth.register({ email: owner.email, password: PASSWORD, displayName: "Static" });
    const fixed = setUp({ auth: { token: reg.tokens!.accessToken } });
    expect((await fixed.client.auth.getCurrentUser()).user!.email).toBe(owner.email);
    const expired = setUp({ auth: { token: () => expiredCopyOf(reg.tokens!.accessToken) } });
    await expect(expired.client.auth.getCurrentUser()).rejects.toSatisfy((e) => isStuckError(e, "TOKEN_EXPIRED"));
    expect(expired.counts.get("RefreshToken")).toBeUndefined();
    // Logging in through a fixed-token client does not replace what it sends.
    await fixed.client.auth.login({ email: owner.email, password: PASSWORD });
    expect(await fixed.client.auth.getSession()).toBeUndefined();
    expect(fixed.seen.at(-1)!.method).toBe("Login");
  });

  it("sends no token with auth: false", async () => {
    const t = setUp({ auth: false });
    await expect(t.client.users.getProfile({})).rejects.toSatisfy((e) => isStuckError(e, "UNAUTHENTICATED"));
    expect(t.seen).toEqual([{ method: "GetProfile", authorization: null }]);
  });

  it("logout ends the session on the server and forgets it locally", async () => {
    const t = setUp();
    await t.client.auth.register({ email: t.email, password: PASSWORD, displayName: "Out" });
    const s = (await t.client.auth.getSession())!;
    await t.client.auth.logout();
    expect(await t.client.auth.getSession()).toBeUndefined();
    expect(t.changes.at(-1)).toBeUndefined();
    const raw = createClient(AuthService, makeTransport("connect-json-h1", server.baseUrl));
    await expect(raw.refreshToken({ refreshToken: s.refreshToken })).rejects.toThrow(/session has ended/);
    // Logging out again (nothing stored) is a no-op, not an error.
    await t.client.auth.logout();
  });

  it("deleting the account forgets the session", async () => {
    const t = setUp();
    await t.client.auth.register({ email: t.email, password: PASSWORD, displayName: "Gone" });
    await t.client.users.deleteAccount({ password: PASSWORD });
    expect(await t.client.auth.getSession()).toBeUndefined();
  });
});
