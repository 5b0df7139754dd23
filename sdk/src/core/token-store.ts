import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { TokenPair, User } from "../gen/stuckai/auth/v1/auth_pb.js";

/** The signed-in user as remembered with the session (plain JSON, so any store can keep it). */
export interface SessionUser {
  readonly id: string;
  readonly email: string;
  readonly displayName: string;
  readonly permissions: readonly string[];
}

/** What a token store keeps: the token pair of one session, with expiry times in epoch milliseconds. */
export interface AuthSession {
  readonly accessToken: string;
  readonly refreshToken: string;
  /** When the access token stops working; the client refreshes shortly before. Undefined: unknown. */
  readonly accessTokenExpiresAt?: number;
  readonly refreshTokenExpiresAt?: number;
  readonly user?: SessionUser;
}

/**
 * Where the session lives between calls. Methods may be synchronous (memory, `localStorage`) or
 * asynchronous (React Native's AsyncStorage, a secure keychain). The client reads the store before
 * every call, so a store shared by several clients (or browser tabs) sees their refreshes.
 */
export interface TokenStore {
  get(): AuthSession | undefined | Promise<AuthSession | undefined>;
  set(session: AuthSession): void | Promise<void>;
  clear(): void | Promise<void>;
}

/** Keeps the session in memory: the default, gone when the process or page ends. */
export function memoryTokenStore(initial?: AuthSession): TokenStore {
  let session = initial;
  return {
    get: () => session,
    set: (s) => {
      session = s;
    },
    clear: () => {
      session = undefined;
    },
  };
}

/** The session for a token pair from Register, Login or RefreshToken. */
export function sessionFromTokens(tokens: TokenPair, user?: User | SessionUser): AuthSession {
  return {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    accessTokenExpiresAt: tokens.accessTokenExpireTime ? timestampMs(tokens.accessTokenExpireTime) : undefined,
    refreshTokenExpiresAt: tokens.refreshTokenExpireTime ? timestampMs(tokens.refreshTokenExpireTime) : undefined,
    user: user ? { id: user.id, email: user.email, displayName: user.displayName, permissions: [...user.permissions] } : undefined,
  };
}
