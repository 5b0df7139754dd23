import { createHash, randomBytes, randomUUID } from "node:crypto";
import { DomainError, Violations } from "../errors.js";
import type { AccountPresence } from "../ports/account-presence.js";
import type { AccessTokens, Principal } from "./access-tokens.js";
import type { AccountRecord, AuthStore, RefreshTokenRecord } from "./auth-store.js";
import { checkPasswordPolicy, type PasswordHasher } from "./passwords.js";
import { ADMIN_PERMISSIONS, USER_PERMISSIONS } from "./permissions.js";

export interface Tokens {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly accessTokenExpiresAt: Date;
  readonly refreshTokenExpiresAt: Date;
}

export interface Session {
  readonly account: AccountRecord;
  readonly tokens: Tokens;
}

export interface AuthServiceDeps {
  readonly store: AuthStore;
  /** Answers "does the account exist" for most calls without the database (see `authenticate`). */
  readonly presence: AccountPresence;
  readonly hasher: PasswordHasher;
  readonly accessTokens: AccessTokens;
  readonly refreshTokenTtlSec: number;
  readonly adminEmails: ReadonlySet<string>;
  readonly now?: () => Date;
}

// Pragmatic check (RFC 5322 is far looser): one @, a dotted domain, no spaces.
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
// Control characters (NUL among them) are in no real address, and NUL breaks both databases' text.
const CONTROL = /\p{Cc}/u;
const plausibleEmail = (email: string) => email.length <= 254 && EMAIL.test(email) && !CONTROL.test(email);
const invalidCredentials = () =>
  new DomainError("unauthenticated", "INVALID_CREDENTIALS", "email or password is incorrect");

/** Registration, login and the refresh-token lifecycle; knows nothing of transports. */
export class AuthService {
  private readonly now: () => Date;

  constructor(private readonly deps: AuthServiceDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async register(input: { email: string; password: string; displayName: string }): Promise<Session> {
    const email = normaliseEmail(input.email);
    const displayName = input.displayName.trim();
    const v = new Violations();
    if (email.length === 0) v.add("email", "is required");
    else if (!plausibleEmail(email)) v.add("email", "is not a valid email address");
    checkPasswordPolicy(input.password, v);
    if (displayName.length === 0) v.add("display_name", "is required");
    else if (displayName.length > 100) v.add("display_name", "must be at most 100 characters long");
    // Neither database stores NUL in text (SQLite's driver cuts the statement there, Postgres refuses it).
    else if (displayName.includes("\u0000")) v.add("display_name", "must not contain NUL characters");
    v.throwIfAny();

    const now = this.now();
    const account: AccountRecord = {
      id: randomUUID(),
      email,
      displayName,
      permissions: this.deps.adminEmails.has(email) ? ADMIN_PERMISSIONS : USER_PERMISSIONS,
      createdAt: now,
    };
    const passwordHash = await this.deps.hasher.hash(input.password);
    const refresh = this.newRefreshToken(account.id, randomUUID(), now);
    const created = await this.deps.store.createAccount({ ...account, passwordHash }, refresh.record);
    if (!created) {
      throw new DomainError("already_exists", "EMAIL_TAKEN", "an account with this email already exists", {
        metadata: { field: "email" },
      });
    }
    return { account, tokens: this.tokens(account, refresh, now) };
  }

  async login(input: { email: string; password: string }): Promise<Session> {
    const email = normaliseEmail(input.email);
    const v = new Violations();
    if (email.length === 0) v.add("email", "is required");
    if (input.password.length === 0) v.add("password", "is required");
    v.throwIfAny();
    // An address no account can have is unknown without asking the database (which a NUL would upset).
    const found = plausibleEmail(email) ? await this.deps.store.findAccountByEmail(email) : undefined;
    // Always run the KDF, so an unknown email takes as long as a wrong password.
    const ok = await this.deps.hasher.verify(input.password, found?.passwordHash);
    if (!found || !ok) throw invalidCredentials();
    const { passwordHash: _, ...account } = found;
    const now = this.now();
    const refresh = this.newRefreshToken(account.id, randomUUID(), now);
    await this.deps.store.insertRefreshToken(refresh.record);
    return { account, tokens: this.tokens(account, refresh, now) };
  }

  async refresh(refreshToken: string): Promise<Tokens> {
    const current = await this.activeRefreshToken(refreshToken);
    const account = await this.deps.store.findAccountById(current.userId);
    if (!account) throw new DomainError("unauthenticated", "TOKEN_REVOKED", "the session's account no longer exists");
    const now = this.now();
    const next = this.newRefreshToken(account.id, current.familyId, now);
    if (!(await this.deps.store.rotateRefreshToken(current.id, next.record, now))) {
      // Lost a race with another use of the same token: that is a reuse.
      await this.deps.store.revokeFamily(current.familyId, "reuse", now);
      throw tokenReused();
    }
    return this.tokens(account, next, now);
  }

  /** Ends one session or all of the user's; ending a session already ended is a no-op. */
  async logout(refreshToken: string, allSessions: boolean): Promise<void> {
    const token = await this.findRefreshToken(refreshToken);
    const now = this.now();
    if (allSessions) await this.deps.store.revokeAllOfUser(token.userId, "logout", now);
    else await this.deps.store.revokeFamily(token.familyId, "logout", now);
  }

  /**
   * Verifies an access token; the account must still exist, so a deleted user's tokens stop working at
   * once. The shared presence marks answer that for most calls (an erasure marks the account erased
   * before deleting it); without a mark the database answers, and an existing account is marked.
   */
  async authenticate(accessToken: string): Promise<Principal> {
    const principal = this.deps.accessTokens.verify(accessToken, this.now());
    if (!(await this.accountExists(principal.userId))) {
      throw new DomainError("unauthenticated", "TOKEN_REVOKED", "the token's account no longer exists");
    }
    return principal;
  }

  private async accountExists(userId: string): Promise<boolean> {
    const known = await this.deps.presence.known(userId);
    if (known !== undefined) return known;
    const exists = await this.deps.store.accountExists(userId);
    if (exists) await this.deps.presence.rememberExists(userId);
    return exists;
  }

  async currentUser(principal: Principal): Promise<AccountRecord> {
    const account = await this.deps.store.findAccountById(principal.userId);
    if (!account) throw new DomainError("unauthenticated", "TOKEN_REVOKED", "the token's account no longer exists");
    return account;
  }

  /** Checks a user's password without revealing anything else (for re-authentication before sensitive actions). */
  async checkPassword(userId: string, password: string): Promise<void> {
    const hash = await this.deps.store.findPasswordHash(userId);
    if (!(await this.deps.hasher.verify(password, hash))) throw invalidCredentials();
  }

  private async findRefreshToken(token: string): Promise<RefreshTokenRecord> {
    if (token.length === 0) {
      throw new DomainError("invalid_argument", "VALIDATION_ERROR", "refresh_token is required", {
        violations: [{ field: "refresh_token", description: "is required" }],
      });
    }
    const record = await this.deps.store.findRefreshToken(hashToken(token));
    if (!record) throw new DomainError("unauthenticated", "TOKEN_INVALID", "refresh token is not recognised");
    return record;
  }

  private async activeRefreshToken(token: string): Promise<RefreshTokenRecord> {
    const record = await this.findRefreshToken(token);
    const now = this.now();
    if (record.revokedAt) {
      if (record.revokeReason === "rotated") {
        // A rotated token came back: it was stolen or replayed, so end the whole session.
        await this.deps.store.revokeFamily(record.familyId, "reuse", now);
        throw tokenReused();
      }
      throw new DomainError("unauthenticated", "TOKEN_REVOKED", "this session has ended; log in again");
    }
    if (record.expiresAt.getTime() <= now.getTime()) {
      throw new DomainError("unauthenticated", "TOKEN_EXPIRED", "refresh token expired; log in again");
    }
    return record;
  }

  private newRefreshToken(userId: string, familyId: string, now: Date) {
    const token = randomBytes(32).toString("base64url");
    const record: RefreshTokenRecord = {
      id: randomUUID(),
      userId,
      familyId,
      tokenHash: hashToken(token),
      createdAt: now,
      expiresAt: new Date(now.getTime() + this.deps.refreshTokenTtlSec * 1000),
    };
    return { token, record };
  }

  private tokens(account: AccountRecord, refresh: { token: string; record: RefreshTokenRecord }, now: Date): Tokens {
    const access = this.deps.accessTokens.issue(account, now);
    return {
      accessToken: access.token,
      accessTokenExpiresAt: access.expiresAt,
      refreshToken: refresh.token,
      refreshTokenExpiresAt: refresh.record.expiresAt,
    };
  }
}

const tokenReused = () =>
  new DomainError(
    "unauthenticated",
    "TOKEN_REUSED",
    "refresh token was already used; every session of this login was ended, log in again",
  );

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
