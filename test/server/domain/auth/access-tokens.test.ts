import jwt from "jsonwebtoken";
import { describe, expect, it } from "vitest";
import type { JwtConfig } from "../../../../server/config/config.js";
import { AccessTokens } from "../../../../server/domain/auth/access-tokens.js";
import { DomainError } from "../../../../server/domain/errors.js";

const cfg: JwtConfig = { alg: "HS256", secret: "s".repeat(40), secretSource: "env", issuer: "stuckai", audience: "stuckai-api" };
const user = { id: "0b0e3c1e-7d5f-4a59-9c43-2f1f4b1f2a10", email: "t@example.com", permissions: ["read:content"] };
const TTL = 60;
const at = (sec: number) => new Date(sec * 1000);

function reason(run: () => unknown): string | undefined {
  try {
    run();
  } catch (err) {
    if (err instanceof DomainError) return err.reason;
    throw err;
  }
  return undefined;
}

describe("AccessTokens: verified tokens held", () => {
  const issuedAt = 1_800_000_000;

  it("answers a held token's principal again without verifying it anew", () => {
    const tokens = new AccessTokens(cfg, TTL);
    const { token } = tokens.issue(user, at(issuedAt));
    const first = tokens.verify(token, at(issuedAt + 1));
    expect(first.userId).toBe(user.id);
    expect(tokens.verify(token, at(issuedAt + 2))).toBe(first);
  });

  it("still rejects a held token from its expiry second on", () => {
    const tokens = new AccessTokens(cfg, TTL);
    const { token } = tokens.issue(user, at(issuedAt));
    tokens.verify(token, at(issuedAt + 1));
    expect(reason(() => tokens.verify(token, at(issuedAt + TTL - 1)))).toBeUndefined();
    expect(reason(() => tokens.verify(token, at(issuedAt + TTL)))).toBe("TOKEN_EXPIRED");
    expect(reason(() => tokens.verify(token, at(issuedAt + TTL + 3600)))).toBe("TOKEN_EXPIRED");
  });

  it("rejects an altered token even while the genuine one is held", () => {
    const tokens = new AccessTokens(cfg, TTL);
    const { token } = tokens.issue(user, at(issuedAt));
    tokens.verify(token, at(issuedAt + 1));
    const [header, payload, signature] = token.split(".") as [string, string, string];
    const flipped = signature.slice(0, -2) + (signature.at(-2) === "A" ? "B" : "A") + signature.at(-1);
    expect(reason(() => tokens.verify(`${header}.${payload}.${flipped}`, at(issuedAt + 1)))).toBe("TOKEN_INVALID");
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString()) as Record<string, unknown>;
    const escalated = Buffer.from(JSON.stringify({ ...claims, permissions: ["admin"] })).toString("base64url");
    expect(reason(() => tokens.verify(`${header}.${escalated}.${signature}`, at(issuedAt + 1)))).toBe("TOKEN_INVALID");
  });

  it("holds at most its capacity, and nothing at 0", () => {
    const one = new AccessTokens(cfg, TTL, 1);
    const a = one.issue(user, at(issuedAt)).token;
    const b = one.issue({ ...user, email: "u@example.com" }, at(issuedAt)).token;
    const first = one.verify(a, at(issuedAt + 1));
    one.verify(b, at(issuedAt + 1));
    const again = one.verify(a, at(issuedAt + 1));
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
    const none = new AccessTokens(cfg, TTL, 0);
    expect(none.verify(a, at(issuedAt + 1))).not.toBe(none.verify(a, at(issuedAt + 1)));
  });

  it("does not hold a token without an expiry", () => {
    const tokens = new AccessTokens(cfg, TTL);
    const token = jwt.sign({ user_id: user.id, username: user.email, permissions: [] }, cfg.alg === "HS256" ? cfg.secret : "", {
      algorithm: "HS256",
      issuer: cfg.issuer,
      audience: cfg.audience,
      jwtid: "j1",
    });
    const first = tokens.verify(token, at(issuedAt));
    expect(tokens.verify(token, at(issuedAt))).not.toBe(first);
  });
});
