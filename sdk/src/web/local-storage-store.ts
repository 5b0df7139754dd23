import type { AuthSession, TokenStore } from "../core/token-store.js";

/** The part of the Web Storage API the store uses (`localStorage`, `sessionStorage`, or a stand-in). */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface LocalStorageTokenStoreOptions {
  /** Default `"stuckai.session"`. */
  readonly key?: string;
  /** Default `globalThis.localStorage`. */
  readonly storage?: StorageLike;
}

/**
 * Keeps the session in `localStorage`, so it survives reloads and is shared by the tabs of one
 * origin. Anything on the page can read it there: serve a strict Content-Security-Policy.
 */
export function localStorageTokenStore(options: LocalStorageTokenStoreOptions = {}): TokenStore {
  const key = options.key ?? "stuckai.session";
  const storage = () => {
    const s = options.storage ?? (globalThis as { localStorage?: StorageLike }).localStorage;
    if (!s) throw new Error("localStorage is not available here: pass `storage` or use memoryTokenStore()");
    return s;
  };
  return {
    get() {
      const raw = storage().getItem(key);
      if (!raw) return undefined;
      try {
        const s = JSON.parse(raw) as Partial<AuthSession>;
        return typeof s.accessToken === "string" && typeof s.refreshToken === "string" ? (s as AuthSession) : undefined;
      } catch {
        return undefined; // written by something else: treat as signed out
      }
    },
    set(session) {
      storage().setItem(key, JSON.stringify(session));
    },
    clear() {
      storage().removeItem(key);
    },
  };
}
