import { createPrivateKey, createPublicKey, createSecretKey, randomUUID, type KeyObject } from "node:crypto";
import jwt from "jsonwebtoken";
import type { JwtConfig } from "../../config/config.js";
import { DomainError } from "../errors.js";
import { UUID } from "../ids.js";
import { Lru } from "../lru.js";

/** The authenticated caller, as decoded from a verified access token. */
export interface Principal {
  readonly userId: string;
  readonly username: string;
  readonly permissions: ReadonlySet<string>;
  readonly tokenId: string;
}

interface AccessClaims {
  user_id: string;
  username: string;
  permissions: string[];
}

/** Tokens verified lately: about 1 KB each with their principal. */
export const VERIFIED_TOKENS_HELD = 4096;

/**
 * Issues and verifies access-token JWTs. Verification pins the algorithm, issuer and audience.
 *
 * A token that verified once is held with its principal and expiry (least recently used out first),
 * so a client's next calls with it skip the HMAC and the header and claims parsing (8.5 µs → 0.2 µs
 * per call in a tight loop) and are only checked for expiry. Only the exact same string finds the
 * entry, and an expired one is verified again, which rejects it. The account check (`AuthService`) stays per call.
 */
export class AccessTokens {
  // Key objects, built once: given a string, jsonwebtoken first tries (and fails) to parse it as a
  // PEM public key on every call, a tenth of a cached answer's CPU.
  private readonly signKey: KeyObject;
  private readonly verifyKey: KeyObject;
  private readonly verified: Lru<string, { readonly principal: Principal; readonly exp: number }>;

  constructor(
    private readonly cfg: JwtConfig,
    private readonly ttlSec: number,
    held = VERIFIED_TOKENS_HELD,
  ) {
    this.verified = new Lru(held);
    if (!(cfg.alg === "HS256" ? cfg.secret : cfg.privateKey)) throw new Error("JWT signing key is empty");
    if (cfg.alg === "HS256") {
      this.signKey = this.verifyKey = createSecretKey(Buffer.from(cfg.secret));
    } else {
      this.signKey = createPrivateKey(cfg.privateKey);
      this.verifyKey = createPublicKey(cfg.publicKey);
    }
  }

  issue(user: { id: string; email: string; permissions: readonly string[] }, now: Date) {
    const iat = Math.floor(now.getTime() / 1000);
    const claims: AccessClaims = { user_id: user.id, username: user.email, permissions: [...user.permissions] };
    const token = jwt.sign({ ...claims, iat }, this.signKey, {
      algorithm: this.cfg.alg,
      expiresIn: this.ttlSec,
      issuer: this.cfg.issuer,
      audience: this.cfg.audience,
      subject: user.id,
      jwtid: randomUUID(),
    });
    return { token, expiresAt: new Date((iat + this.ttlSec) * 1000) };
  }

  verify(token: string, now: Date): Principal {
    const clockTimestamp = Math.floor(now.getTime() / 1000);
    const held = this.verified.get(token);
    if (held) {
      // jsonwebtoken's rule: expired from the second `exp` on (then verified again, which says so).
      if (clockTimestamp < held.exp) return held.principal;
      this.verified.delete(token);
    }
    let payload: jwt.JwtPayload & Partial<AccessClaims>;
    try {
      const decoded = jwt.verify(token, this.verifyKey, {
        algorithms: [this.cfg.alg],
        issuer: this.cfg.issuer,
        audience: this.cfg.audience,
        clockTimestamp,
      });
      if (typeof decoded === "string") throw new jwt.JsonWebTokenError("payload is not a JSON object");
      payload = decoded;
    } catch (err) {
      throw tokenError(err);
    }
    const { user_id, username, permissions, jti, exp, nbf } = payload;
    // A user id that is no UUID names no account (and would reach the database as one; Postgres refuses it).
    if (typeof user_id !== "string" || !UUID.test(user_id) || typeof username !== "string" || !Array.isArray(permissions) || !jti) {
      throw new DomainError("unauthenticated", "TOKEN_INVALID", "access token lacks required claims");
    }
    const principal: Principal = { userId: user_id, username, permissions: new Set(permissions.map(String)), tokenId: jti };
    // Only a token that expires is held (and none with a start time: a clock set back would need it checked).
    if (typeof exp === "number" && nbf === undefined) this.verified.set(token, { principal, exp });
    return principal;
  }
}

function tokenError(err: unknown): DomainError {
  if (err instanceof jwt.TokenExpiredError) {
    return new DomainError("unauthenticated", "TOKEN_EXPIRED", "access token expired; refresh it or log in again");
  }
  if (err instanceof jwt.NotBeforeError) {
    return new DomainError("unauthenticated", "TOKEN_INVALID", "access token is not valid yet");
  }
  const detail = err instanceof Error ? err.message : "malformed";
  return new DomainError("unauthenticated", "TOKEN_INVALID", `access token rejected: ${detail}`);
}
