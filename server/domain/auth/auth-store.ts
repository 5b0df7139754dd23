/** The account store the auth domain needs: a port with a MikroORM adapter (Postgres or SQLite). */
export interface AccountRecord {
  readonly id: string;
  readonly email: string;
  readonly displayName: string;
  readonly permissions: readonly string[];
  readonly createdAt: Date;
}

export interface RefreshTokenRecord {
  readonly id: string;
  readonly userId: string;
  readonly familyId: string;
  readonly tokenHash: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly revokedAt?: Date | null;
  readonly revokeReason?: RevokeReason | null;
}

export type RevokeReason = "rotated" | "logout" | "reuse";

export interface AuthStore {
  /** Inserts the account and its first refresh token atomically; returns false when the email is taken. */
  createAccount(
    account: AccountRecord & { passwordHash: string },
    firstToken: RefreshTokenRecord,
  ): Promise<boolean>;
  findAccountByEmail(email: string): Promise<(AccountRecord & { passwordHash: string }) | undefined>;
  findAccountById(id: string): Promise<AccountRecord | undefined>;
  /** Whether the account exists: asked on an authenticated call whose account has no presence mark, so as cheap as a lookup can be. */
  accountExists(id: string): Promise<boolean>;
  findPasswordHash(userId: string): Promise<string | undefined>;
  insertRefreshToken(token: RefreshTokenRecord): Promise<void>;
  findRefreshToken(tokenHash: string): Promise<RefreshTokenRecord | undefined>;
  /** Revokes `token` as rotated and inserts `next`, only if `token` was still active; false when it was not (a race or a reuse). */
  rotateRefreshToken(tokenId: string, next: RefreshTokenRecord, at: Date): Promise<boolean>;
  /** Revokes every still-active token of a family. */
  revokeFamily(familyId: string, reason: RevokeReason, at: Date): Promise<void>;
  /** Revokes every still-active token of a user. */
  revokeAllOfUser(userId: string, reason: RevokeReason, at: Date): Promise<void>;
}
