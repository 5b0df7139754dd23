import { Code, createClient } from "@connectrpc/connect";
import jwt from "jsonwebtoken";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../../sdk/src/gen/stuckai/auth/v1/auth_pb.js";
import { bearer, makeTransport } from "../helpers/clients.js";
import { DATABASE_KINDS } from "../helpers/databases.js";
import { expectRpcError } from "../helpers/errors.js";
import { startTestServer, TEST_JWT_SECRET, type TestServer } from "../helpers/server.js";

const ADMIN = "boss@stuckai.test";
const PASSWORD = "correct horse 42";

describe.each(DATABASE_KINDS)("AuthService on %s", (kind) => {
  let server: TestServer;
  let n = 0;
  const email = () => `Traveller.${++n}@Example.com`;
  const auth = (token?: string) =>
    createClient(AuthService, makeTransport("connect-binary-h2", server.baseUrl, token ? [bearer(token)] : []));
  const register = (e = email()) => auth().register({ email: e, password: PASSWORD, displayName: "Tess" });

  beforeAll(async () => {
    server = await startTestServer(kind, { ADMIN_EMAILS: ADMIN });
  });
  afterAll(async () => {
    await server?.stop();
  });

  describe("Register", () => {
    it("creates an account with a normalised email, user permissions and a token pair", async () => {
      const e = email();
      const res = await register(` ${e} `);
      expect(res.user?.email).toBe(e.toLowerCase());
      expect(res.user?.displayName).toBe("Tess");
      expect(res.user?.permissions.sort()).toEqual(["read:content", "read:profile", "write:interactions", "write:profile"]);
      expect(res.tokens?.tokenType).toBe("Bearer");
      const claims = jwt.verify(res.tokens!.accessToken, TEST_JWT_SECRET) as jwt.JwtPayload;
      expect(claims).toMatchObject({ user_id: res.user!.id, username: e.toLowerCase(), iss: "stuckai", aud: "stuckai-api" });
      expect(claims.jti).toBeTruthy();
      expect(claims.exp! - claims.iat!).toBe(15 * 60);
      expect(Number(res.tokens!.accessTokenExpireTime!.seconds)).toBe(claims.exp);
    });

    it("grants admin permissions to ADMIN_EMAILS", async () => {
      const res = await register(ADMIN.toUpperCase());
      expect(res.user?.permissions).toEqual(expect.arrayContaining(["admin:catalog", "admin:users"]));
    });

    it("rejects a bad email, a short password and a missing name, each with a field violation", async () => {
      await expectRpcError(auth().register({ email: "not-an-email", password: "short", displayName: " " }), {
        code: Code.InvalidArgument,
        reason: "VALIDATION_ERROR",
        fields: ["email", "password", "display_name"],
      });
      await expectRpcError(auth().register({ email: email(), password: "onlyletters", displayName: "x" }), {
        code: Code.InvalidArgument,
        reason: "VALIDATION_ERROR",
        fields: ["password"],
      });
    });

    it("refuses a duplicate email, whatever its case", async () => {
      const e = email();
      await register(e);
      const err = await expectRpcError(register(e.toUpperCase()), { code: Code.AlreadyExists, reason: "EMAIL_TAKEN" });
      expect(err.rawMessage).toMatch(/already exists/);
    });

    it("stores only hashes: the password and refresh token appear nowhere in the database", async () => {
      const e = email();
      const res = await register(e);
      const conn = server.app.orm.em.getConnection();
      const users = await conn.execute("select * from users where email = ?", [e.toLowerCase()]);
      const tokens = await conn.execute("select * from refresh_tokens where user_id = ?", [res.user!.id]);
      const dump = JSON.stringify([users, tokens]);
      expect(users).toHaveLength(1);
      expect(tokens).toHaveLength(1);
      expect(dump).not.toContain(PASSWORD);
      expect(dump).not.toContain(res.tokens!.refreshToken);
      expect(String(users[0].password_hash)).toMatch(/^scrypt\$12\$8\$1\$/);
    });
  });

  describe("Login", () => {
    it("signs in with any case of the email and starts a new session", async () => {
      const e = email();
      const reg = await register(e);
      const res = await auth().login({ email: e.toUpperCase(), password: PASSWORD });
      expect(res.user?.id).toBe(reg.user?.id);
      expect(res.tokens?.refreshToken).not.toBe(reg.tokens?.refreshToken);
    });

    it("gives the same answer for a wrong password and an unknown email", async () => {
      const e = email();
      await register(e);
      const wrong = await expectRpcError(auth().login({ email: e, password: "wrong password 1" }), {
        code: Code.Unauthenticated,
        reason: "INVALID_CREDENTIALS",
      });
      const unknown = await expectRpcError(auth().login({ email: "nobody@example.com", password: PASSWORD }), {
        code: Code.Unauthenticated,
        reason: "INVALID_CREDENTIALS",
      });
      expect(unknown.rawMessage).toBe(wrong.rawMessage);
    });
  });

  describe("access tokens", () => {
    it("identify the caller in GetCurrentUser", async () => {
      const reg = await register();
      const res = await auth(reg.tokens!.accessToken).getCurrentUser({});
      expect(res.user).toMatchObject({ id: reg.user!.id, email: reg.user!.email });
    });

    it("are required, as a Bearer token", async () => {
      await expectRpcError(auth().getCurrentUser({}), { code: Code.Unauthenticated, reason: "UNAUTHENTICATED" });
      const basic = createClient(
        AuthService,
        makeTransport("connect-binary-h2", server.baseUrl, [
          (next) => (req) => (req.header.set("authorization", "Basic Zm9vOmJhcg=="), next(req)),
        ]),
      );
      await expectRpcError(basic.getCurrentUser({}), { code: Code.Unauthenticated, reason: "UNAUTHENTICATED" });
    });

    it("reject forged, tampered, expired, not-yet-valid, alg:none and wrong-audience tokens precisely", async () => {
      const reg = await register();
      const good = jwt.decode(reg.tokens!.accessToken) as jwt.JwtPayload;
      const claims = { user_id: good.user_id, username: good.username, permissions: good.permissions };
      const opts = { issuer: "stuckai", audience: "stuckai-api", subject: good.sub!, jwtid: "t" };
      const now = Math.floor(Date.now() / 1000);
      const [head, , sig] = reg.tokens!.accessToken.split(".");
      const adminPayload = Buffer.from(JSON.stringify({ ...good, permissions: ["admin:users"] })).toString("base64url");
      const unsigned = (alg: string) =>
        `${Buffer.from(JSON.stringify({ alg, typ: "JWT" })).toString("base64url")}.${Buffer.from(JSON.stringify(good)).toString("base64url")}.`;
      const cases: [string, string, string][] = [
        ["wrong key", jwt.sign(claims, "some-other-secret-of-at-least-32-chars", opts), "TOKEN_INVALID"],
        ["tampered payload", `${head}.${adminPayload}.${sig}`, "TOKEN_INVALID"],
        ["expired", jwt.sign({ ...claims, iat: now - 3600, exp: now - 60 }, TEST_JWT_SECRET, opts), "TOKEN_EXPIRED"],
        ["not yet valid", jwt.sign({ ...claims, nbf: now + 3600 }, TEST_JWT_SECRET, opts), "TOKEN_INVALID"],
        ["alg none", unsigned("none"), "TOKEN_INVALID"],
        ["wrong audience", jwt.sign(claims, TEST_JWT_SECRET, { ...opts, audience: "someone-else" }), "TOKEN_INVALID"],
        ["HS512 with the right secret", jwt.sign(claims, TEST_JWT_SECRET, { ...opts, algorithm: "HS512" }), "TOKEN_INVALID"],
        ["garbage", "not.a.jwt", "TOKEN_INVALID"],
      ];
      for (const [name, token, reason] of cases) {
        const err = await expectRpcError(auth(token).getCurrentUser({}), { code: Code.Unauthenticated, reason });
        expect(err.rawMessage, name).toMatch(/access token/);
      }
      // Control: a correctly signed token with the same claims passes, so the cases above fail for their flaw alone.
      await expect(auth(jwt.sign(claims, TEST_JWT_SECRET, opts)).getCurrentUser({})).resolves.toBeDefined();
    });
  });

  describe("refresh tokens", () => {
    it("rotate on every use, and a reused token ends the whole session", async () => {
      const reg = await register();
      const first = reg.tokens!.refreshToken;
      const second = (await auth().refreshToken({ refreshToken: first })).tokens!;
      expect(second.refreshToken).not.toBe(first);
      await expect(auth(second.accessToken).getCurrentUser({})).resolves.toBeDefined();
      const third = (await auth().refreshToken({ refreshToken: second.refreshToken })).tokens!;

      await expectRpcError(auth().refreshToken({ refreshToken: first }), { code: Code.Unauthenticated, reason: "TOKEN_REUSED" });
      // The reuse revoked the family: the newest token is dead too.
      await expectRpcError(auth().refreshToken({ refreshToken: third.refreshToken }), {
        code: Code.Unauthenticated,
        reason: "TOKEN_REVOKED",
      });
    });

    it("let exactly one of two concurrent refreshes with the same token win", async () => {
      const reg = await register();
      const results = await Promise.allSettled(
        Array.from({ length: 5 }, () => auth().refreshToken({ refreshToken: reg.tokens!.refreshToken })),
      );
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    });

    it("reject unknown and missing tokens", async () => {
      await expectRpcError(auth().refreshToken({ refreshToken: "nope" }), { code: Code.Unauthenticated, reason: "TOKEN_INVALID" });
      await expectRpcError(auth().refreshToken({ refreshToken: "" }), {
        code: Code.InvalidArgument,
        reason: "VALIDATION_ERROR",
        fields: ["refresh_token"],
      });
    });
  });

  describe("Logout", () => {
    it("ends one session and leaves the others, idempotently", async () => {
      const e = email();
      const a = (await register(e)).tokens!;
      const b = (await auth().login({ email: e, password: PASSWORD })).tokens!;
      await auth().logout({ refreshToken: a.refreshToken });
      await auth().logout({ refreshToken: a.refreshToken });
      await expectRpcError(auth().refreshToken({ refreshToken: a.refreshToken }), {
        code: Code.Unauthenticated,
        reason: "TOKEN_REVOKED",
      });
      await expect(auth().refreshToken({ refreshToken: b.refreshToken })).resolves.toBeDefined();
    });

    it("ends every session with all_sessions", async () => {
      const e = email();
      const a = (await register(e)).tokens!;
      const b = (await auth().login({ email: e, password: PASSWORD })).tokens!;
      await auth().logout({ refreshToken: a.refreshToken, allSessions: true });
      for (const t of [a, b]) {
        await expectRpcError(auth().refreshToken({ refreshToken: t.refreshToken }), {
          code: Code.Unauthenticated,
          reason: "TOKEN_REVOKED",
        });
      }
    });
  });
});
