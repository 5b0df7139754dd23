import { describe, expect, it } from "vitest";
import { localStorageTokenStore, type StorageLike } from "../../../sdk/src/web/index.js";

class MapStorage implements StorageLike {
  readonly items = new Map<string, string>();
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.items.set(key, value);
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
}

// The store in a real browser is covered by sdk-in-chromium.test.ts; these are its edge cases.
describe("localStorageTokenStore", () => {
  const session = { accessToken: "a", refreshToken: "r", accessTokenExpiresAt: 1_900_000_000_000, user: { id: "u", email: "e@x", displayName: "E", permissions: ["read:content"] } };

  it("keeps the session as JSON under its key, and removes it", () => {
    const storage = new MapStorage();
    const store = localStorageTokenStore({ storage, key: "k" });
    expect(store.get()).toBeUndefined();
    store.set(session);
    expect(JSON.parse(storage.items.get("k")!)).toEqual(session);
    expect(localStorageTokenStore({ storage, key: "k" }).get()).toEqual(session);
    store.clear();
    expect(storage.items.has("k")).toBe(false);
  });

  it("reads anything else under the key as signed out", () => {
    const storage = new MapStorage();
    const store = localStorageTokenStore({ storage });
    for (const junk of ["not json", "{}", '{"accessToken":1,"refreshToken":"r"}', "null"]) {
      storage.items.set("stuckai.session", junk);
      expect(store.get(), junk).toBeUndefined();
    }
  });

  it("says what to do where there is no localStorage", () => {
    expect(() => localStorageTokenStore().get()).toThrow(/localStorage is not available here/);
  });
});
