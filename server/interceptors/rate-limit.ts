import { createHash } from "node:crypto";
import { ConnectError, type Interceptor, type UnaryRequest } from "@connectrpc/connect";
import { normaliseEmail } from "../domain/auth/auth-service.js";
import type { Logger } from "pino";
import { DomainError } from "../domain/errors.js";
import type { RateLimitDecision, RateLimiter } from "../domain/ratelimit/rate-limiter.js";
import { rateLimited, rateLimiterFailOpen } from "../observability/metrics.js";
import { throttledWarning, WARN_INTERVAL_MS } from "../observability/throttled-warning.js";
import { isExempt, limitFor, type RateLimitPolicy } from "../config/rate-limit.js";
import { CLIENT_IP_HEADER } from "../transport/client-ip.js";
import { principalKey, requestIdKey } from "./context.js";
import { toConnectError } from "./errors.js";

export interface RateLimitDeps {
  readonly limiter: RateLimiter;
  readonly policy: RateLimitPolicy;
  readonly logger: Logger;
  /** Minimum gap between two "failing open" warnings. */
  readonly failOpenWarnIntervalMs?: number;
}

/**
 * Per-subject, per-procedure sliding-window limits. Sits after authentication so that the subject is
 * the caller's user id; public RPCs (Login, Register, …) are keyed by client IP instead. Every
 * response of a counted call carries x-ratelimit-limit, x-ratelimit-remaining and x-ratelimit-reset
 * (seconds until the oldest counted call leaves the window and frees a slot). When the limiter's
 * store is unreachable the call goes through unchecked, without those headers: an outage of Redis
 * must not become an outage of the API.
 *
 * Login is also limited per account (the email address, from any IP), after the per-IP check: a
 * guesser spreading over many addresses still gets `loginPerAccount` tries per window. Every address
 * is counted alike, registered or not, so the refusal says nothing about whether an account exists.
 */
export function rateLimitInterceptor(deps: RateLimitDeps): Interceptor {
  const failOpen = failOpenReporter(deps.logger, deps.failOpenWarnIntervalMs ?? WARN_INTERVAL_MS);
  const windowSec = Math.round(deps.policy.windowMs / 1000);
  return (next) => async (req) => {
    if (isExempt(req.service.typeName)) return next(req);
    const procedure = `${req.service.typeName}/${req.method.name}`;
    const limit = limitFor(deps.policy, procedure);
    const principal = req.contextValues.get(principalKey);
    const subject = principal ? `user:${principal.userId}` : `ip:${req.header.get(CLIENT_IP_HEADER) ?? "unknown"}`;
    const requestId = req.contextValues.get(requestIdKey);

    let decision: RateLimitDecision;
    try {
      decision = await deps.limiter.hit(`${procedure}:${subject}`, limit, deps.policy.windowMs);
    } catch (err) {
      failOpen(err, procedure);
      return next(req);
    }
    const headers = rateLimitHeaders(decision);
    const refuse = (d: RateLimitDecision, scope: "user" | "ip" | "account") => {
      rateLimited.inc({ procedure });
      const retrySec = Math.ceil(d.retryAfterMs / 1000);
      const per = { user: "per user", ip: "per client IP", account: "per account (email address), from any IP" }[scope];
      const refusal = new DomainError(
        "resource_exhausted",
        "RATE_LIMITED",
        `rate limit exceeded: ${procedure} allows ${d.limit} calls per ${windowSec} s ${per}; retry in ${retrySec} s`,
        { retryAfterMs: d.retryAfterMs, metadata: { procedure, scope, limit: String(d.limit), window_seconds: String(windowSec) } },
      );
      return withHeaders(toConnectError(refusal, requestId), headers);
    };
    if (!decision.allowed) throw refuse(decision, principal ? "user" : "ip");
    if (procedure === LOGIN && !req.stream) {
      const account = accountKey(req);
      let perAccount: RateLimitDecision | undefined;
      try {
        perAccount = await deps.limiter.hit(`${procedure}:account:${account}`, deps.policy.loginPerAccount, deps.policy.windowMs);
      } catch (err) {
        failOpen(err, procedure);
      }
      if (perAccount && !perAccount.allowed) throw refuse(perAccount, "account");
    }
    try {
      const res = await next(req);
      headers.forEach((value, key) => res.header.set(key, value));
      return res;
    } catch (err) {
      // The error interceptor (outside this one) maps DomainErrors; mapping here with the same function
      // lets the error carry our headers. Connect sends error metadata as HTTP headers, gRPC and
      // gRPC-Web as trailers. Unexpected errors are left for the error interceptor to log and hide.
      if (err instanceof DomainError) throw withHeaders(toConnectError(err, requestId), headers);
      if (err instanceof ConnectError) throw withHeaders(err, headers);
      throw err;
    }
  };
}

const LOGIN = "stuckai.auth.v1.AuthService/Login";

/** The login's email as the domain normalises it, hashed: bounded key length, and no addresses in Redis. */
function accountKey(req: UnaryRequest): string {
  const email = (req.message as { email?: unknown }).email;
  return createHash("sha256")
    .update(normaliseEmail(typeof email === "string" ? email : ""))
    .digest("base64url")
    .slice(0, 22);
}

function rateLimitHeaders(d: RateLimitDecision): Headers {
  const resetSec = d.allowed ? Math.max(0, Math.ceil((d.resetMs - Date.now()) / 1000)) : Math.ceil(d.retryAfterMs / 1000);
  return new Headers({
    "x-ratelimit-limit": String(d.limit),
    "x-ratelimit-remaining": String(d.remaining),
    "x-ratelimit-reset": String(resetSec),
  });
}

function withHeaders(err: ConnectError, headers: Headers): ConnectError {
  headers.forEach((value, key) => err.metadata.set(key, value));
  return err;
}

/** Counts every unchecked call; warns at most once per interval, with how many went unchecked meanwhile. */
function failOpenReporter(logger: Logger, intervalMs: number) {
  const warn = throttledWarning(logger, "rate limiter unavailable; letting calls through unchecked", { component: "rate-limit" }, intervalMs);
  return (err: unknown, procedure: string) => {
    rateLimiterFailOpen.inc();
    warn(err, { procedure });
  };
}
