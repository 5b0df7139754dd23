import { create } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { AuthService as AuthServiceDesc, TokenPairSchema, UserSchema } from "../../sdk/src/gen/stuckai/auth/v1/auth_pb.js";
import type { AuthService, Tokens } from "../domain/auth/auth-service.js";
import type { AccountRecord } from "../domain/auth/auth-store.js";
import { requirePrincipal } from "./principal.js";
import { toTimestamp } from "./convert.js";

/** Thin translation between AuthService messages and the auth domain. */
export function authHandler(auth: AuthService): ServiceImpl<typeof AuthServiceDesc> {
  return {
    async register(req) {
      const s = await auth.register({ email: req.email, password: req.password, displayName: req.displayName });
      return { user: toUser(s.account), tokens: toTokenPair(s.tokens) };
    },
    async login(req) {
      const s = await auth.login({ email: req.email, password: req.password });
      return { user: toUser(s.account), tokens: toTokenPair(s.tokens) };
    },
    async refreshToken(req) {
      return { tokens: toTokenPair(await auth.refresh(req.refreshToken)) };
    },
    async logout(req) {
      await auth.logout(req.refreshToken, req.allSessions);
      return {};
    },
    async getCurrentUser(_req, ctx: HandlerContext) {
      return { user: toUser(await auth.currentUser(requirePrincipal(ctx))) };
    },
  };
}

export function toUser(a: AccountRecord) {
  return create(UserSchema, {
    id: a.id,
    email: a.email,
    displayName: a.displayName,
    permissions: [...a.permissions],
    createTime: toTimestamp(a.createdAt),
  });
}

function toTokenPair(t: Tokens) {
  return create(TokenPairSchema, {
    accessToken: t.accessToken,
    refreshToken: t.refreshToken,
    tokenType: "Bearer",
    accessTokenExpireTime: toTimestamp(t.accessTokenExpiresAt),
    refreshTokenExpireTime: toTimestamp(t.refreshTokenExpiresAt),
  });
}
