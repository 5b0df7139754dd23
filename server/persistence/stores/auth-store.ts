import { UniqueConstraintViolationException, type MikroORM } from "@mikro-orm/core";
import type { AccountRecord, AuthStore, RefreshTokenRecord, RevokeReason } from "../../domain/auth/auth-store.js";
import { boundQuery } from "../bound-query.js";
import { RefreshTokenEntity, type RefreshTokenRow } from "../entities/refresh-token.js";
import { UserEntity, type UserRow } from "../entities/user.js";
import { emptyProfile, UserProfileEntity } from "../entities/user-profile.js";

/** AuthStore on MikroORM; every method forks its own EntityManager so calls never share an identity map. */
export class OrmAuthStore implements AuthStore {
  constructor(private readonly orm: MikroORM) {}

  private get em() {
    return this.orm.em.fork();
  }

  /** Creates the account, its empty profile (so GetProfile never answers not_found) and its first session. */
  async createAccount(account: AccountRecord & { passwordHash: string }, firstToken: RefreshTokenRecord) {
    try {
      await this.em.transactional(async (em) => {
        // Explicit inserts in FK order: the unit of work does not know refresh_tokens references users.
        await em.insert(UserEntity, { ...account, permissions: [...account.permissions], updatedAt: account.createdAt });
        await em.insert(UserProfileEntity, emptyProfile(account.id, account.createdAt));
        await em.insert(RefreshTokenEntity, { ...firstToken });
      });
      return true;
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) return false;
      throw err;
    }
  }

  async findAccountByEmail(email: string) {
    const row = await this.em.findOne(UserEntity, { email }, { populate: ["passwordHash"] });
    return row ? { ...toAccount(row), passwordHash: row.passwordHash } : undefined;
  }

  async findAccountById(id: string) {
    const row = await this.em.findOne(UserEntity, { id });
    return row ? toAccount(row) : undefined;
  }

  async accountExists(id: string) {
    // A primary-key probe without building an entity: authentication asks it when no presence mark answers.
    const rows = await boundQuery(this.orm, "select 1 from users where id = ? limit 1", [id]);
    return rows.length > 0;
  }

  async findPasswordHash(userId: string) {
    const row = await this.em.findOne(UserEntity, { id: userId }, { populate: ["passwordHash"] });
    return row?.passwordHash;
  }

  async insertRefreshToken(token: RefreshTokenRecord) {
    await this.em.insert(RefreshTokenEntity, { ...token });
  }

  async findRefreshToken(tokenHash: string) {
    const row = await this.em.findOne(RefreshTokenEntity, { tokenHash });
    return row ? toToken(row) : undefined;
  }

  async rotateRefreshToken(tokenId: string, next: RefreshTokenRecord, at: Date) {
    return this.em.transactional(async (em) => {
      // The conditional update is the lock: of two concurrent refreshes with one token, only one wins.
      const changed = await em.nativeUpdate(
        RefreshTokenEntity,
        { id: tokenId, revokedAt: null },
        { revokedAt: at, revokeReason: "rotated" },
      );
      if (changed !== 1) return false;
      await em.insert(RefreshTokenEntity, { ...next });
      return true;
    });
  }

  async revokeFamily(familyId: string, reason: RevokeReason, at: Date) {
    await this.em.nativeUpdate(RefreshTokenEntity, { familyId, revokedAt: null }, { revokedAt: at, revokeReason: reason });
  }

  async revokeAllOfUser(userId: string, reason: RevokeReason, at: Date) {
    await this.em.nativeUpdate(RefreshTokenEntity, { userId, revokedAt: null }, { revokedAt: at, revokeReason: reason });
  }
}

function toAccount(row: UserRow): AccountRecord {
  return {
    id: row.id,
    email: row.email,
    displayName: row.displayName,
    permissions: row.permissions,
    createdAt: row.createdAt,
  };
}

function toToken(row: RefreshTokenRow): RefreshTokenRecord {
  return {
    id: row.id,
    userId: row.userId,
    familyId: row.familyId,
    tokenHash: row.tokenHash,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    revokedAt: row.revokedAt ?? null,
    revokeReason: (row.revokeReason as RevokeReason | null | undefined) ?? null,
  };
}
