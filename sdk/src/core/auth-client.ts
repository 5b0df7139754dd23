import { Code, type CallOptions, type Client } from "@connectrpc/connect";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  AuthService,
  LogoutResponseSchema,
  RefreshTokenResponseSchema,
  TokenPairSchema,
  type GetCurrentUserRequestSchema,
  type GetCurrentUserResponse,
  type LogoutRequestSchema,
  type LogoutResponse,
  type RefreshTokenRequestSchema,
  type RefreshTokenResponse,
  type TokenPair,
} from "../gen/stuckai/auth/v1/auth_pb.js";
import { StuckError } from "./errors.js";
import type { SessionListener, SessionManager } from "./session.js";
import { sessionFromTokens, type AuthSession } from "./token-store.js";

/**
 * AuthService with the session kept for you: `register` and `login` store the token pair, every
 * later call carries the access token, `logout` forgets it. With `auth: { token }` or `auth: false`
 * nothing is stored and these calls only return what the server answered.
 */
export interface StuckAuthClient extends Omit<Client<typeof AuthService>, "refreshToken" | "logout" | "getCurrentUser"> {
  /** Rotates the token pair; without a request, the session's (joining a refresh already in flight). */
  refreshToken(request?: MessageInitShape<typeof RefreshTokenRequestSchema>, options?: CallOptions): Promise<RefreshTokenResponse>;
  /** Ends the session on the server (by default the stored one) and forgets it locally, even when the server call fails. */
  logout(request?: MessageInitShape<typeof LogoutRequestSchema>, options?: CallOptions): Promise<LogoutResponse>;
  getCurrentUser(request?: MessageInitShape<typeof GetCurrentUserRequestSchema>, options?: CallOptions): Promise<GetCurrentUserResponse>;
  /** The stored session, if any. */
  getSession(): Promise<AuthSession | undefined>;
  /** Stores a session obtained elsewhere (e.g. tokens handed over by a server-rendered page). */
  setSession(session: AuthSession | TokenPair): Promise<void>;
  /** Forgets the session locally, without telling the server. */
  clearSession(): Promise<void>;
  /** Calls `listener` whenever the session is stored, refreshed or cleared; returns the unsubscribe function. */
  onSessionChange(listener: SessionListener): () => void;
}

export function createAuthClient(raw: Client<typeof AuthService>, session: SessionManager, storesSession: boolean): StuckAuthClient {
  const remember = async (tokens: TokenPair | undefined, user?: Parameters<typeof sessionFromTokens>[1]) => {
    if (storesSession && tokens) await session.set(sessionFromTokens(tokens, user));
  };
  return {
    ...raw,
    async register(request, options) {
      const res = await raw.register(request, options);
      await remember(res.tokens, res.user);
      return res;
    },
    async login(request, options) {
      const res = await raw.login(request, options);
      await remember(res.tokens, res.user);
      return res;
    },
    async refreshToken(request = {}, options) {
      const current = await session.get();
      if (!request.refreshToken || request.refreshToken === current?.refreshToken) {
        if (!storesSession || !current) throw new StuckError("no session to refresh: log in first", Code.Unauthenticated);
        const next = await session.refresh();
        return create(RefreshTokenResponseSchema, { tokens: tokenPairOf(next) });
      }
      return raw.refreshToken(request, options);
    },
    async logout(request = {}, options) {
      const current = await session.get();
      const refreshToken = request.refreshToken || current?.refreshToken;
      const ours = storesSession && current !== undefined && refreshToken === current.refreshToken;
      try {
        if (!refreshToken) return create(LogoutResponseSchema);
        return await raw.logout({ ...request, refreshToken }, options);
      } catch (e) {
        const err = StuckError.from(e);
        // Already expired, revoked or reused: the session is over, which is what logout wanted.
        if (ours && err.code === Code.Unauthenticated) return create(LogoutResponseSchema);
        throw err;
      } finally {
        if (ours || (storesSession && !refreshToken)) await session.clear();
      }
    },
    getCurrentUser: (request = {}, options) => raw.getCurrentUser(request, options),
    getSession: () => session.get(),
    setSession: (s) => session.set("$typeName" in s ? sessionFromTokens(s) : s),
    clearSession: () => session.clear(),
    onSessionChange: (listener) => session.onChange(listener),
  };
}

function tokenPairOf(s: AuthSession): TokenPair {
  const ts = (ms: number | undefined) => (ms === undefined ? undefined : timestampFromMs(ms));
  return create(TokenPairSchema, {
    accessToken: s.accessToken,
    refreshToken: s.refreshToken,
    tokenType: "Bearer",
    accessTokenExpireTime: ts(s.accessTokenExpiresAt),
    refreshTokenExpireTime: ts(s.refreshTokenExpiresAt),
  });
}
