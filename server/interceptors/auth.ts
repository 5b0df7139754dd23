import type { Interceptor } from "@connectrpc/connect";
import type { AuthService } from "../domain/auth/auth-service.js";
import { DomainError } from "../domain/errors.js";
import { policyFor } from "./access-policy.js";
import { principalKey } from "./context.js";

/**
 * Bearer-JWT authentication and permission checks, driven by the access policy table. A public
 * RPC ignores the Authorization header entirely.
 */
export function authInterceptor(auth: AuthService): Interceptor {
  return (next) => async (req) => {
    const policy = policyFor(req.service.typeName, req.method.name);
    if (policy.public) return next(req);
    const header = req.header.get("authorization");
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match?.[1]) {
      throw new DomainError(
        "unauthenticated",
        "UNAUTHENTICATED",
        header ? "authorization header must be `Bearer <access token>`" : "this call needs an access token: send `authorization: Bearer <token>`",
      );
    }
    const principal = await auth.authenticate(match[1]);
    const missing = policy.permissions.filter((p) => !principal.permissions.has(p));
    if (missing.length > 0) {
      throw new DomainError("permission_denied", "PERMISSION_DENIED", `this call needs the permission ${missing.join(", ")}`);
    }
    req.contextValues.set(principalKey, principal);
    return next(req);
  };
}
