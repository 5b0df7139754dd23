import { createHmac, generateKeyPairSync, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import jwt from "jsonwebtoken";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorInfoSchema, RetryInfoSchema } from "../../sdk/src/gen/google/rpc/error_details_pb.js";
import { AuthService } from "../../sdk/src/gen/stuckai/auth/v1/auth_pb.js";
import { UserService } from "../../sdk/src/gen/stuckai/user/v1/user_pb.js";
import { bearer, makeTransport } from "../helpers/clients.js";
import { DATABASE_KINDS } from "../helpers/databases.js";
import { expectRpcError } from "../helpers/errors.js";
import { TEST_JWT_SECRET } from "../helpers/server.js";
import { ACTOR_PASSWORD, startWorld, type World } from "./helpers/world.js";

/**
 * Attacks on authentication: forged, altered, expired and early tokens, algorithm confusion, tokens
 * of deleted accounts, refresh-token replay, password guessing (per IP and per account), and account
 * enumeration through answers or timing. Every refusal must be `unauthenticated` (or
 * `resource_exhausted` for throttling) with its documented reason, and must not tell accounts apart.
 */
const b64 = (v: unknown) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64url");
const ISS = { issuer: "stuckai", audience: "stuckai-api" };
const counts = { calls: 0 };

const withHeaders =
  (headers: Record<string, string>): Interceptor =>
  (next) =>
  (req) => {
    for (const [k, v] of Object.entries(headers)) req.header.set(k, v);
    return next(req);
  };

function authAs(world: World, token?: string, headers: Record<string, string> = {}) {
  return createClient(AuthService, makeTransport("connect-binary-h2", world.baseUrl, [...(token === undefined ? [] : [bearer(token)]), withHeaders(headers)]));
}

async function refused(call: Promise<unknown>, code: Code, reason: string): Promise<ConnectError> {
  counts.calls++;
  return expectRpcError(call, { code, reason });
}

/** The claims a genuine token of `userId` carries. */
const claimsOf = (userId: string, extra: object = {}) => ({ user_id: userId, username: "x@example.com", permissions: ["read:profile", "admin:catalog", "admin:users"], jti: randomUUID(), ...extra });

describe.each(DATABASE_KINDS)("auth attacks on %s (HS256)", (kind) => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld(kind);
  });
  afterAll(async () => {
    await world?.stop();
  });

  it("refuses unsigned tokens (alg none, in any spelling)", async () => {
    const payload = b64({ ...claimsOf(world.alice.id), iss: "stuckai", aud: "stuckai-api", exp: Math.floor(Date.now() / 1000) + 600 });
    for (const alg of ["none", "None", "NONE", "nOnE"]) {
      for (const signature of ["", "x"]) {
        await refused(authAs(world, `${b64({ alg, typ: "JWT" })}.${payload}.${signature}`).getCurrentUser({}), Code.Unauthenticated, "TOKEN_INVALID");
      }
    }
  });

  it("refuses altered tokens: a payload granting admin, another user's id, or a changed header", async () => {
    const [head, body, sig] = world.alice.accessToken.split(".") as [string, string, string];
    const claims = JSON.parse(Buffer.from(body, "base64url").toString()) as Record<string, unknown>;
    const variants = [
      `${head}.${b64({ ...claims, permissions: [...(claims.permissions as string[]), "admin:catalog", "admin:users"] })}.${sig}`,
      `${head}.${b64({ ...claims, user_id: world.bob.id })}.${sig}`,
      `${b64({ alg: "HS512", typ: "JWT" })}.${body}.${sig}`,
      `${head}.${body}.${sig.slice(0, -2)}${sig.endsWith("AA") ? "BB" : "AA"}`,
      `${head}.${body}`,
      `${head}..${sig}`,
    ];
    for (const token of variants) await refused(authAs(world, token).getCurrentUser({}), Code.Unauthenticated, "TOKEN_INVALID");
    // The genuine token still works: the refusals above were about the changes.
    counts.calls++;
    expect((await authAs(world, world.alice.accessToken).getCurrentUser({})).user?.id).toBe(world.alice.id);
  });

  it("refuses RS256 tokens of an attacker's key, and tokens signed with another secret", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const rs = jwt.sign(claimsOf(world.alice.id), privateKey, { algorithm: "RS256", expiresIn: 600, ...ISS });
    await refused(authAs(world, rs).getCurrentUser({}), Code.Unauthenticated, "TOKEN_INVALID");
    const other = jwt.sign(claimsOf(world.alice.id), "another-secret-that-is-long-enough-0123456789", { expiresIn: 600, ...ISS });
    await refused(authAs(world, other).getCurrentUser({}), Code.Unauthenticated, "TOKEN_INVALID");
  });

  it("refuses expired and not-yet-valid tokens, and tokens for another issuer or audience, even when correctly signed", async () => {
    const now = Math.floor(Date.now() / 1000);
    const sign = (claims: object, opts: jwt.SignOptions = {}) => jwt.sign({ ...claimsOf(world.alice.id), ...claims }, TEST_JWT_SECRET, { ...ISS, ...opts });
    await refused(authAs(world, sign({ iat: now - 3600, exp: now - 60 })).getCurrentUser({}), Code.Unauthenticated, "TOKEN_EXPIRED");
    const early = await refused(authAs(world, sign({ nbf: now + 3600 }, { expiresIn: 7200 })).getCurrentUser({}), Code.Unauthenticated, "TOKEN_INVALID");
    expect(early.rawMessage).toMatch(/not valid yet/);
    await refused(authAs(world, sign({}, { expiresIn: 600, issuer: "evil" })).getCurrentUser({}), Code.Unauthenticated, "TOKEN_INVALID");
    await refused(authAs(world, sign({}, { expiresIn: 600, audience: "other-api" })).getCurrentUser({}), Code.Unauthenticated, "TOKEN_INVALID");
    // Signed, but naming no account (and no UUID): refused before any database lookup.
    for (const userId of ["'; DROP TABLE users; --", randomUUID()]) {
      const token = jwt.sign(claimsOf(userId), TEST_JWT_SECRET, { ...ISS, expiresIn: 600 });
      await refused(authAs(world, token).getCurrentUser({}), Code.Unauthenticated, userId.includes("'") ? "TOKEN_INVALID" : "TOKEN_REVOKED");
    }
  });

  it("refuses the tokens of a deleted account at once, access and refresh alike", async () => {
    const gone = await world.register(`gone.${randomUUID()}@example.com`);
    const users = createClient(UserService, makeTransport("connect-binary-h2", world.baseUrl, [bearer(gone.accessToken)]));
    counts.calls++;
    await users.deleteAccount({ password: ACTOR_PASSWORD });
    await refused(authAs(world, gone.accessToken).getCurrentUser({}), Code.Unauthenticated, "TOKEN_REVOKED");
    await refused(users.getProfile({}), Code.Unauthenticated, "TOKEN_REVOKED");
    await refused(authAs(world).refreshToken({ refreshToken: gone.refreshToken }), Code.Unauthenticated, "TOKEN_INVALID");
    await refused(authAs(world).login({ email: gone.email, password: ACTOR_PASSWORD }), Code.Unauthenticated, "INVALID_CREDENTIALS");
  });

  it("ends the whole session when a rotated refresh token comes back, and leaves other sessions alone", async () => {
    const carol = await world.register(`carol.${randomUUID()}@example.com`);
    const auth = authAs(world);
    counts.calls += 2;
    const other = await auth.login({ email: carol.email, password: ACTOR_PASSWORD });
    const second = await auth.refreshToken({ refreshToken: carol.refreshToken });
    // The thief replays the first token: the family ends, the legitimate holder's new token too.
    await refused(auth.refreshToken({ refreshToken: carol.refreshToken }), Code.Unauthenticated, "TOKEN_REUSED");
    await refused(auth.refreshToken({ refreshToken: second.tokens!.refreshToken }), Code.Unauthenticated, "TOKEN_REVOKED");
    counts.calls++;
    expect((await auth.refreshToken({ refreshToken: other.tokens!.refreshToken })).tokens?.refreshToken).toBeTruthy();
  });

  it("lets exactly one of two racing uses of a refresh token win, and then treats it as reuse", async () => {
    const dave = await world.register(`dave.${randomUUID()}@example.com`);
    const auth = authAs(world);
    counts.calls += 2;
    const results = await Promise.allSettled([auth.refreshToken({ refreshToken: dave.refreshToken }), auth.refreshToken({ refreshToken: dave.refreshToken })]);
    const won = results.filter((r) => r.status === "fulfilled");
    expect(won).toHaveLength(1);
    const lost = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(ConnectError.from(lost.reason).findDetails(ErrorInfoSchema)[0]?.reason).toBe("TOKEN_REUSED");
    const winner = (won[0] as PromiseFulfilledResult<{ tokens?: { refreshToken: string } }>).value;
    await refused(auth.refreshToken({ refreshToken: winner.tokens!.refreshToken }), Code.Unauthenticated, "TOKEN_REVOKED");
  });

  it("answers an unknown email and a wrong password alike, and an empty or garbage refresh token without detail", async () => {
    const wrong = await refused(authAs(world).login({ email: world.alice.email, password: "wrong password 1" }), Code.Unauthenticated, "INVALID_CREDENTIALS");
    const unknown = await refused(authAs(world).login({ email: `nobody.${randomUUID()}@example.com`, password: "wrong password 1" }), Code.Unauthenticated, "INVALID_CREDENTIALS");
    const impossible = await refused(authAs(world).login({ email: "nul\u0000@example.com", password: "wrong password 1" }), Code.Unauthenticated, "INVALID_CREDENTIALS");
    expect(unknown.rawMessage).toBe(wrong.rawMessage);
    expect(impossible.rawMessage).toBe(wrong.rawMessage);
    await refused(authAs(world).refreshToken({ refreshToken: "'; DROP TABLE refresh_tokens; --" }), Code.Unauthenticated, "TOKEN_INVALID");
  });
});

describe("algorithm confusion against an RS256 server", () => {
  let world: World;
  let dir: string;
  let publicPem: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "stuckai-rs256-"));
    const pair = generateKeyPairSync("rsa", { modulusLength: 2048, publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs8", format: "pem" } });
    publicPem = pair.publicKey;
    writeFileSync(path.join(dir, "jwt.key"), pair.privateKey);
    writeFileSync(path.join(dir, "jwt.pub"), pair.publicKey);
    world = await startWorld("sqlite", { JWT_PRIVATE_KEY_FILE: path.join(dir, "jwt.key"), JWT_PUBLIC_KEY_FILE: path.join(dir, "jwt.pub") });
  });
  afterAll(async () => {
    await world?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("issues RS256 tokens and accepts them", async () => {
    expect(JSON.parse(Buffer.from(world.alice.accessToken.split(".")[0]!, "base64url").toString())).toMatchObject({ alg: "RS256" });
    counts.calls++;
    expect((await authAs(world, world.alice.accessToken).getCurrentUser({})).user?.id).toBe(world.alice.id);
  });

  it("refuses an HS256 token whose HMAC key is the server's public key", async () => {
    // The classic confusion: a verifier that let the token pick its algorithm would check this HMAC
    // with the public key as the secret, and the attacker knows the public key.
    const now = Math.floor(Date.now() / 1000);
    const signingInput = `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ ...claimsOf(world.alice.id), iss: "stuckai", aud: "stuckai-api", iat: now, exp: now + 600 })}`;
    for (const key of [publicPem, publicPem.trim(), Buffer.from(publicPem)]) {
      const sig = createHmac("sha256", key).update(signingInput).digest("base64url");
      await refused(authAs(world, `${signingInput}.${sig}`).getCurrentUser({}), Code.Unauthenticated, "TOKEN_INVALID");
    }
    // And the test secret of HS256 deployments means nothing here.
    await refused(authAs(world, jwt.sign(claimsOf(world.alice.id), TEST_JWT_SECRET, { ...ISS, expiresIn: 600 })).getCurrentUser({}), Code.Unauthenticated, "TOKEN_INVALID");
  });
});

describe("password guessing", () => {
  let world: World;
  beforeAll(async () => {
    // TRUST_PROXY lets the test speak from many addresses (X-Forwarded-For), as a botnet would.
    world = await startWorld("sqlite", { TRUST_PROXY: "true", RATE_LIMITS: "Login=5,Register=6", RATE_LIMIT_LOGIN_PER_ACCOUNT: "4" });
  });
  afterAll(async () => {
    await world?.stop();
  });

  const ip = (() => {
    let n = 0;
    return () => `198.51.100.${++n}`;
  })();

  it("throttles guesses at one account from many addresses, with retry-after, also for the right password", async () => {
    const victim = await world.register(`victim.${randomUUID()}@example.com`);
    for (let i = 0; i < 4; i++) {
      await refused(authAs(world, undefined, { "x-forwarded-for": ip() }).login({ email: victim.email, password: `guess ${i}1` }), Code.Unauthenticated, "INVALID_CREDENTIALS");
    }
    const err = await refused(authAs(world, undefined, { "x-forwarded-for": ip() }).login({ email: victim.email.toUpperCase(), password: ACTOR_PASSWORD }), Code.ResourceExhausted, "RATE_LIMITED");
    expect(err.findDetails(ErrorInfoSchema)[0]?.metadata).toMatchObject({ scope: "account", limit: "4" });
    expect(Number(err.metadata.get("retry-after"))).toBeGreaterThan(0);
    expect(err.findDetails(RetryInfoSchema)[0]?.retryDelay?.seconds).toBeGreaterThan(0n);
    expect(err.rawMessage).toMatch(/per account/);
    // Another account from the same addresses is not affected.
    const bystander = await world.register(`bystander.${randomUUID()}@example.com`);
    counts.calls++;
    expect((await authAs(world, undefined, { "x-forwarded-for": ip() }).login({ email: bystander.email, password: ACTOR_PASSWORD })).user?.id).toBe(bystander.id);
  });

  it("throttles an unknown email exactly like a registered one, so throttling reveals no account", async () => {
    const ghost = `ghost.${randomUUID()}@example.com`;
    for (let i = 0; i < 4; i++) {
      await refused(authAs(world, undefined, { "x-forwarded-for": ip() }).login({ email: ghost, password: `guess ${i}1` }), Code.Unauthenticated, "INVALID_CREDENTIALS");
    }
    const err = await refused(authAs(world, undefined, { "x-forwarded-for": ip() }).login({ email: ghost, password: "guess 51" }), Code.ResourceExhausted, "RATE_LIMITED");
    expect(err.findDetails(ErrorInfoSchema)[0]?.metadata).toMatchObject({ scope: "account" });
  });

  it("throttles one address guessing at many accounts", async () => {
    const from = ip();
    for (let i = 0; i < 5; i++) {
      await refused(authAs(world, undefined, { "x-forwarded-for": from }).login({ email: `spray.${i}.${randomUUID()}@example.com`, password: "Winter2024" }), Code.Unauthenticated, "INVALID_CREDENTIALS");
    }
    const err = await refused(authAs(world, undefined, { "x-forwarded-for": from }).login({ email: `spray.x.${randomUUID()}@example.com`, password: "Winter2024" }), Code.ResourceExhausted, "RATE_LIMITED");
    expect(err.findDetails(ErrorInfoSchema)[0]?.metadata).toMatchObject({ scope: "ip", limit: "5" });
  });

  it("caps sign-up probing per address (Register answers EMAIL_TAKEN for a registered email, so probes are limited)", async () => {
    const from = ip();
    const register = (email: string) => authAs(world, undefined, { "x-forwarded-for": from }).register({ email, password: "probe password 1", displayName: "Probe" });
    await refused(register(world.alice.email), Code.AlreadyExists, "EMAIL_TAKEN");
    for (let i = 0; i < 5; i++) {
      counts.calls++;
      await register(`probe.${randomUUID()}@example.com`);
    }
    await refused(register(world.bob.email), Code.ResourceExhausted, "RATE_LIMITED");
  });
});

describe("account enumeration by timing", () => {
  let world: World;
  const N = process.env.CHAOS === "1" ? 100 : 25;
  beforeAll(async () => {
    // Production-like cost (2^14; production defaults to 2^17) so the hash, not noise, dominates; no throttling here.
    world = await startWorld("sqlite", { SCRYPT_LOG_N: "14", RATE_LIMIT_LOGIN_PER_ACCOUNT: "1000000" });
  });
  afterAll(async () => {
    await world?.stop();
  });

  async function time(call: () => Promise<unknown>): Promise<number> {
    const t = performance.now();
    await call().catch(() => undefined);
    counts.calls++;
    return performance.now() - t;
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

  it(`takes as long to refuse an unknown email as a wrong password (median of ${N}, interleaved)`, { timeout: 600_000 }, async () => {
    const auth = authAs(world);
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < N; i++) {
      known.push(await time(() => auth.login({ email: world.alice.email, password: `wrong password ${i}` })));
      unknown.push(await time(() => auth.login({ email: `nobody.${i}.${randomUUID()}@example.com`, password: `wrong password ${i}` })));
    }
    const [k, u] = [median(known), median(unknown)];
    console.log(JSON.stringify({ suite: "auth-timing", login: { knownEmailMs: Math.round(k * 10) / 10, unknownEmailMs: Math.round(u * 10) / 10, samples: N } }));
    // Without the dummy hash an unknown email answers in a fraction of the time (no KDF at all); the
    // band is wide because other work shares the machine.
    expect(u / k).toBeGreaterThan(0.5);
    expect(u / k).toBeLessThan(2);
  });

  it(`takes as long to refuse a registered email at sign-up as to accept a new one (median of ${N})`, { timeout: 600_000 }, async () => {
    const auth = authAs(world);
    const taken: number[] = [];
    const fresh: number[] = [];
    for (let i = 0; i < N; i++) {
      taken.push(await time(() => auth.register({ email: world.alice.email, password: "sign up password 1", displayName: "Probe" })));
      fresh.push(await time(() => auth.register({ email: `new.${i}.${randomUUID()}@example.com`, password: "sign up password 1", displayName: "New" })));
    }
    const [t, f] = [median(taken), median(fresh)];
    console.log(JSON.stringify({ suite: "auth-timing", register: { takenEmailMs: Math.round(t * 10) / 10, newEmailMs: Math.round(f * 10) / 10, samples: N } }));
    expect(t / f).toBeGreaterThan(0.5);
    expect(t / f).toBeLessThan(2);
  });
});

afterAll(() => {
  console.log(JSON.stringify({ suite: "auth-attacks", calls: counts.calls }));
});
