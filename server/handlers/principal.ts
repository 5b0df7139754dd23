import type { HandlerContext } from "@connectrpc/connect";
import type { Principal } from "../domain/auth/access-tokens.js";
import { DomainError } from "../domain/errors.js";
import { principalKey } from "../interceptors/context.js";

/** The caller set by the auth interceptor; its absence on a protected RPC is a policy-table bug, not a client error. */
export function requirePrincipal(ctx: HandlerContext): Principal {
  const principal = ctx.values.get(principalKey);
  if (!principal) throw new DomainError("unauthenticated", "UNAUTHENTICATED", "this call needs an access token");
  return principal;
}
