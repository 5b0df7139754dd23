/**
 * What the API processes share about whether an account exists, so that authentication need not
 * ask the database on every call, while an erased account's access tokens still stop at once.
 *
 * One mark per account: "exists" or "erased". An erasure marks the account erased *before* its rows
 * are deleted, and "exists" is only ever written where no mark is (never over "erased"). Whatever the
 * interleaving of an erasure with a call that read the account from the database just before it, the
 * erased mark is what stays: the call's "exists" is either overwritten or refused.
 *
 * The database stays the truth: no mark (expired, evicted, never written, store unreachable) means
 * "ask the database". `known` and `rememberExists` therefore fail soft (reported through the adapter's
 * `onError`); `markErased` rejects, because an erasure must not go ahead without its mark.
 */
export interface AccountPresence {
  /** true: known to exist; false: known erased; undefined: not known (ask the database). */
  known(userId: string): Promise<boolean | undefined>;
  /** Marks the account as existing (the database said so), unless it is marked erased. */
  rememberExists(userId: string): Promise<void>;
  /** Marks the account erased, over any mark; call before deleting its rows. Rejects on a store error. */
  markErased(userId: string): Promise<void>;
  /** Removes an erased mark (the erasure failed and the account is still there). Fails soft. */
  unmarkErased(userId: string): Promise<void>;
}

export interface AccountPresenceOptions {
  /**
   * How long an "exists" mark is believed. It bounds nothing about erasure (the erased mark replaces
   * it); it only sets how often an active user's account is read from the database.
   */
  readonly existsTtlMs: number;
  /**
   * How long an erased mark is kept: at least the access-token lifetime, so every token issued before
   * the erasure has expired by the time the mark goes (after that, the database answers alone).
   */
  readonly erasedTtlMs: number;
  /** Failures of the soft-failing calls, for logging. */
  readonly onError?: (err: Error) => void;
}

/** Checks the TTLs an adapter is given (whole milliseconds, positive). */
export function checkPresenceOptions(options: AccountPresenceOptions): void {
  for (const [name, value] of [
    ["existsTtlMs", options.existsTtlMs],
    ["erasedTtlMs", options.erasedTtlMs],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`account presence: ${name} must be a whole number of milliseconds ≥ 1, got ${value}`);
  }
}
