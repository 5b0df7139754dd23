import { describe, expect, it } from "vitest";
import { DomainError } from "../../../../server/domain/errors.js";
import { DataRights, type AccountDataStore, type UserDataExport } from "../../../../server/domain/users/data-rights.js";

const PASSWORD = "right passw0rd";
const NOW = new Date("2030-01-02T03:04:05Z");

/** DataRights over fakes that record every call in order. */
function setUp(opts: { exported?: UserDataExport; erased?: boolean; eraseFails?: boolean; presenceDown?: boolean } = {}) {
  const calls: string[] = [];
  const store: AccountDataStore = {
    export: async (id) => (calls.push(`export ${id}`), opts.exported),
    erase: async (id) => {
      calls.push(`erase ${id}`);
      if (opts.eraseFails) throw new Error("connection terminated");
      return opts.erased ?? true;
    },
  };
  const presence = {
    async markErased(id: string) {
      calls.push(`markErased ${id}`);
      if (opts.presenceDown) throw new Error("Redis did not answer markErased within 250 ms");
    },
    unmarkErased: async (id: string) => void calls.push(`unmarkErased ${id}`),
  };
  const auth = {
    async checkPassword(id: string, password: string) {
      calls.push(`checkPassword ${id}`);
      if (password !== PASSWORD) throw new DomainError("unauthenticated", "INVALID_CREDENTIALS", "email or password is incorrect");
    },
  };
  const hooks = {
    profileChanged: async (id: string) => void calls.push(`profileChanged ${id}`),
    accountDeleted: async (id: string) => void calls.push(`accountDeleted ${id}`),
  };
  return { calls, rights: new DataRights({ store, auth, presence, hooks, now: () => NOW }) };
}

const rejection = (p: Promise<unknown>) => p.then(() => expect.fail("should have failed"), (e: DomainError) => e);

describe("DataRights.deleteAccount", () => {
  it("checks the password, marks the account erased, erases, then runs the accountDeleted hook", async () => {
    const { calls, rights } = setUp();
    await rights.deleteAccount("u1", PASSWORD);
    expect(calls).toEqual(["checkPassword u1", "markErased u1", "erase u1", "accountDeleted u1"]);
  });

  it("deletes nothing when the erased mark cannot be written, and says to retry", async () => {
    const { calls, rights } = setUp({ presenceDown: true });
    const err = await rejection(rights.deleteAccount("u1", PASSWORD));
    expect(err).toMatchObject({ kind: "unavailable", reason: "UNAVAILABLE", options: { retryAfterMs: 1_000 } });
    expect(err.message).toMatch(/nothing was deleted/);
    expect(calls).toEqual(["checkPassword u1", "markErased u1"]);
  });

  it("takes the erased mark back when the erasure fails, and passes the failure on", async () => {
    const { calls, rights } = setUp({ eraseFails: true });
    await expect(rights.deleteAccount("u1", PASSWORD)).rejects.toThrow("connection terminated");
    expect(calls).toEqual(["checkPassword u1", "markErased u1", "erase u1", "unmarkErased u1"]);
  });

  it("erases nothing and runs no hook on a wrong password", async () => {
    const { calls, rights } = setUp();
    const err = await rejection(rights.deleteAccount("u1", "wrong passw0rd"));
    expect(err).toMatchObject({ kind: "unauthenticated", reason: "INVALID_CREDENTIALS" });
    expect(calls).toEqual(["checkPassword u1"]);
  });

  it("refuses an empty password as a validation error, before any work", async () => {
    const { calls, rights } = setUp();
    const err = await rejection(rights.deleteAccount("u1", ""));
    expect(err).toMatchObject({ kind: "invalid_argument", reason: "VALIDATION_ERROR" });
    expect(err.violations.map((v) => v.field)).toEqual(["password"]);
    expect(calls).toEqual([]);
  });

  it("runs no hook when the account was already gone (a concurrent deletion ran it)", async () => {
    const { calls, rights } = setUp({ erased: false });
    await expect(rights.deleteAccount("u1", PASSWORD)).rejects.toMatchObject({ reason: "TOKEN_REVOKED" });
    expect(calls).toEqual(["checkPassword u1", "markErased u1", "erase u1"]);
  });
});

describe("DataRights.exportData", () => {
  it("returns the store's export stamped with the time", async () => {
    const exported = { interactions: [], recommendations: [], sessions: [] } as unknown as UserDataExport;
    const { rights } = setUp({ exported });
    expect(await rights.exportData("u1")).toEqual({ ...exported, exportedAt: NOW });
  });

  it("refuses when the account no longer exists", async () => {
    const { rights } = setUp();
    await expect(rights.exportData("u1")).rejects.toMatchObject({ kind: "unauthenticated", reason: "TOKEN_REVOKED" });
  });
});
