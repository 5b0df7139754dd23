import type { AuthService } from "../auth/auth-service.js";
import type { AccountPresence } from "../ports/account-presence.js";
import type { AccountRecord } from "../auth/auth-store.js";
import type { ContentItemRecord, InteractionRecord, RecommendationRecord } from "../content/records.js";
import { DomainError, validationError } from "../errors.js";
import type { UserLifecycleHooks } from "./hooks.js";
import type { ProfileRecord } from "./profile.js";

/** One login and all its rotations (a refresh-token family), without any token material. */
export interface SessionRecord {
  /** The family id. */
  readonly id: string;
  /** When the family's first token was issued. */
  readonly createdAt: Date;
  /** When the family's latest token expires. */
  readonly expiresAt: Date;
  /** When the session was ended; undefined while it is active. */
  readonly revokedAt?: Date;
}

/** Everything stored about one user. */
export interface UserDataExport {
  readonly account: AccountRecord;
  readonly profile: ProfileRecord;
  /** Newest first. */
  readonly interactions: readonly InteractionRecord[];
  /** `item` is undefined only if the catalog item vanished after the list was stored. */
  readonly recommendations: readonly { record: RecommendationRecord; item: ContentItemRecord | undefined }[];
  readonly sessions: readonly SessionRecord[];
}

export interface AccountDataStore {
  /** undefined when the account does not exist. */
  export(userId: string): Promise<UserDataExport | undefined>;
  /** Deletes the account and every row about it in one transaction; false when there was no such account. */
  erase(userId: string): Promise<boolean>;
}

const accountGone = () => new DomainError("unauthenticated", "TOKEN_REVOKED", "the token's account no longer exists");

/** The data subject's rights: access and portability (export) and erasure (GDPR arts. 15, 17, 20). */
export class DataRights {
  private readonly now: () => Date;

  constructor(
    private readonly deps: {
      store: AccountDataStore;
      auth: Pick<AuthService, "checkPassword">;
      presence: Pick<AccountPresence, "markErased" | "unmarkErased">;
      hooks: UserLifecycleHooks;
      now?: () => Date;
    },
  ) {
    this.now = deps.now ?? (() => new Date());
  }

  async exportData(userId: string): Promise<UserDataExport & { exportedAt: Date }> {
    const data = await this.deps.store.export(userId);
    if (!data) throw accountGone();
    return { ...data, exportedAt: this.now() };
  }

  /**
   * Erases the account after re-checking the password. Access tokens already issued need no revocation
   * list: `AuthService.authenticate` refuses any token whose account is marked erased or no longer
   * exists, so they stop working at once; refresh tokens are deleted with the account. The erased mark
   * comes first: without it nothing is deleted (the caller may retry), and an erasure that fails
   * takes it back.
   */
  async deleteAccount(userId: string, password: string): Promise<void> {
    if (password.length === 0) throw validationError([{ field: "password", description: "is required" }]);
    await this.deps.auth.checkPassword(userId, password);
    try {
      await this.deps.presence.markErased(userId);
    } catch {
      throw new DomainError("unavailable", "UNAVAILABLE", "the account cannot be erased right now (session store unavailable); nothing was deleted, retry shortly", {
        retryAfterMs: 1_000,
      });
    }
    let erased: boolean;
    try {
      erased = await this.deps.store.erase(userId);
    } catch (err) {
      await this.deps.presence.unmarkErased(userId);
      throw err;
    }
    // false: a concurrent DeleteAccount won, and it ran the hook.
    if (!erased) throw accountGone();
    await this.deps.hooks.accountDeleted(userId);
  }
}
