import { createPrivateKey, createPublicKey, createSecretKey, randomUUID, type KeyObject } from "node:crypto";
import jwt from "jsonwebtoken";
import type { JwtConfig } from "../../config/config.js";
import { DomainError } from "../errors.js";
import { UUID } from "../ids.js";

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

/** Issues and verifies access-token JWTs. Verification pins the algorithm, issuer and audience. */
export class AccessTokens {
  // Key objects, built once: given a string, jsonwebtoken first tries (and fails) to parse it as a
  // PEM public key on every call, a tenth of a cached answer's CPU.
  private readonly signKey: KeyObject;
  private readonly verifyKey: KeyObject;

  constructor(
    private readonly cfg: JwtConfig,
    private readonly ttlSec: number,
  ) {
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
    let payload: jwt.JwtPayload & Partial<AccessClaims>;
    try {
      const decoded = jwt.verify(token, this.verifyKey, {
        algorithms: [this.cfg.alg],
        issuer: this.cfg.issuer,
        audience: this.cfg.audience,
        clockTimestamp: Math.floor(now.getTime() / 1000),
      });
      if (typeof decoded === "string") throw new jwt.JsonWebTokenError("payload is not a JSON object");
      payload = decoded;
    } catch (err) {
      throw tokenError(err);
    }
    const { user_id, username, permissions, jti } = payload;
    // A user id that is no UUID names no account (and would reach the database as one; Postgres refuses it).
    if (typeof user_id !== "string" || !UUID.test(user_id) || typeof username !== "string" || !Array.isArray(permissions) || !jti) {
      throw new DomainError("unauthenticated", "TOKEN_INVALID", "access token lacks required claims");
    }
    return { userId: user_id, username, permissions: new Set(permissions.map(String)), tokenId: jti };
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
