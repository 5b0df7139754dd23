import { describe, expect, it } from "vitest";
import type { JwtConfig } from "../../../../server/config/config.js";
import { AccessTokens } from "../../../../server/domain/auth/access-tokens.js";
import { AuthService } from "../../../../server/domain/auth/auth-service.js";
import type { AuthStore } from "../../../../server/domain/auth/auth-store.js";
import { PasswordHasher } from "../../../../server/domain/auth/passwords.js";
import type { AccountPresence } from "../../../../server/domain/ports/account-presence.js";
import { MemoryAccountPresence } from "../../../../server/persistence/presence/memory-account-presence.js";

const cfg: JwtConfig = { alg: "HS256", secret: "s".repeat(40), secretSource: "env", issuer: "stuckai", audience: "stuckai-api" };
const HOUR = 3_600_000;
const U1 = "0b0e3c1e-7d5f-4a59-9c43-2f1f4b1f2a10";
const GHOST = "6f1c2b7a-3e4d-4c5b-8a9f-0e1d2c3b4a59";

/** AuthService with a store that only answers `accountExists` (from `accounts`) and counts the reads. */
function setUp(presence: AccountPresence = new MemoryAccountPresence({ existsTtlMs: HOUR, erasedTtlMs: HOUR })) {
  const accounts = new Set<string>();
  const reads: string[] = [];
  const store = {
    accountExists: async (id: string) => (reads.push(id), accounts.has(id)),
  } as unknown as AuthStore;
  const tokens = new AccessTokens(cfg, 900);
  const auth = new AuthService({ store, presence, hasher: new PasswordHasher(12), accessTokens: tokens, refreshTokenTtlSec: 86_400, adminEmails: new Set() });
  const tokenOf = (id: string) => tokens.issue({ id, email: `${id}@example.com`, permissions: ["read:content"] }, new Date()).token;
  return { auth, accounts, reads, presence, tokenOf };
}

const reasonOf = (p: Promise<unknown>) => p.then(() => undefined, (e: { reason?: string }) => e.reason);

describe("AuthService.authenticate: the account check", () => {
  it("reads the database once per account, then answers from the presence mark", async () => {
    const { auth, accounts, reads, tokenOf } = setUp();
    accounts.add(U1);
    const token = tokenOf(U1);
    for (let i = 0; i < 3; i++) expect((await auth.authenticate(token)).userId).toBe(U1);
    expect(reads).toEqual([U1]);
  });

  it("refuses a token whose account is marked erased, without asking the database", async () => {
    const { auth, accounts, reads, presence, tokenOf } = setUp();
    accounts.add(U1);
    const token = tokenOf(U1);
    await auth.authenticate(token);
    // The erasure's first step: the rows are still there, the tokens already stop.
    await presence.markErased(U1);
    expect(await reasonOf(auth.authenticate(token))).toBe("TOKEN_REVOKED");
    expect(reads).toEqual([U1]);
  });

  it("refuses a token whose account the database does not have, and marks nothing", async () => {
    const { auth, reads, presence, tokenOf } = setUp();
    const token = tokenOf(GHOST);
    expect(await reasonOf(auth.authenticate(token))).toBe("TOKEN_REVOKED");
    expect(await reasonOf(auth.authenticate(token))).toBe("TOKEN_REVOKED");
    expect(reads).toEqual([GHOST, GHOST]);
    expect(await presence.known(GHOST)).toBeUndefined();
  });

  it("asks the database on every call while the presence store cannot answer", async () => {
    const down: AccountPresence = {
      known: async () => undefined,
      rememberExists: async () => {},
      markErased: async () => Promise.reject(new Error("down")),
      unmarkErased: async () => {},
    };
    const { auth, accounts, reads, tokenOf } = setUp(down);
    accounts.add(U1);
    await auth.authenticate(tokenOf(U1));
    await auth.authenticate(tokenOf(U1));
    accounts.delete(U1);
    expect(await reasonOf(auth.authenticate(tokenOf(U1)))).toBe("TOKEN_REVOKED");
    expect(reads).toEqual([U1, U1, U1]);
  });
});
