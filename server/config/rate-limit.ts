import type { DescService } from "@bufbuild/protobuf";
import { EnvReader, type Env } from "./env.js";
import { AuthService } from "../../sdk/src/gen/stuckai/auth/v1/auth_pb.js";
import { ContentService } from "../../sdk/src/gen/stuckai/content/v1/content_pb.js";
import { UserService } from "../../sdk/src/gen/stuckai/user/v1/user_pb.js";

/** Requests per window per subject (user, else client IP), for one procedure (`package.Service/Method`). */
export interface RateLimitPolicy {
  readonly windowMs: number;
  readonly defaultLimit: number;
  readonly limits: ReadonlyMap<string, number>;
  /**
   * Login attempts per window for one email address, from any number of IPs: caps a distributed
   * password guesser, whom the per-IP limit cannot stop. Counted for every address, registered or not.
   */
  readonly loginPerAccount: number;
}

export interface RateLimitConfig extends RateLimitPolicy {
  readonly enabled: boolean;
  /** Prefix of every Redis key; lets several deployments (or test runs) share one Redis. */
  readonly keyPrefix: string;
}

export function limitFor(policy: RateLimitPolicy, procedure: string): number {
  return policy.limits.get(procedure) ?? policy.defaultLimit;
}

/** Services whose procedures RATE_LIMITS may name. Health and reflection are exempt (see interceptors/rate-limit.ts). */
const LIMITED_SERVICES: readonly DescService[] = [AuthService, UserService, ContentService];
export const LIMITED_PROCEDURES: readonly string[] = LIMITED_SERVICES.flatMap((s) => s.methods.map((m) => `${s.typeName}/${m.name}`));

/**
 * Tighter per-IP defaults for the two public RPCs that each cost a scrypt hash (128 MiB, ~0.1-0.3 s of
 * CPU at the default cost): they are the brute-force and sign-up-spam targets, and a flood of them
 * is the cheapest way to exhaust the server. 20 logins/h leaves room for a household or small
 * office behind one address to mistype; 10 registrations/h is far above any honest need.
 */
export const DEFAULT_PROCEDURE_LIMITS: ReadonlyMap<string, number> = new Map([
  [`${AuthService.typeName}/Login`, 20],
  [`${AuthService.typeName}/Register`, 10],
]);

const MAX_LIMIT = 1_000_000_000;


/** RATE_LIMIT_* variables; problems are appended for loadConfig to report together with the others. */
export function loadRateLimitConfig(env: Env, problems: string[]): RateLimitConfig {
  const reader = new EnvReader(env, problems);
  const windowSec = reader.int("RATE_LIMIT_WINDOW_SECONDS", 3600, 1, 7 * 24 * 3600);
  return {
    enabled: reader.bool("RATE_LIMIT_ENABLED", true),
    windowMs: windowSec * 1000,
    defaultLimit: reader.int("RATE_LIMIT_DEFAULT", 1000, 1, MAX_LIMIT),
    limits: parseProcedureLimits(env.RATE_LIMITS ?? "", problems),
    // 10 an hour: an honest user rarely mistypes more; a guesser gets 240 tries a day per account.
    loginPerAccount: reader.int("RATE_LIMIT_LOGIN_PER_ACCOUNT", 10, 1, MAX_LIMIT),
    keyPrefix: env.RATE_LIMIT_KEY_PREFIX?.trim() || "ratelimit:",
  };
}

/** `Login=20,stuckai.user.v1.UserService/GetProfile=300` over the built-in defaults. */
export function parseProcedureLimits(raw: string, problems: string[]): Map<string, number> {
  const limits = new Map(DEFAULT_PROCEDURE_LIMITS);
  const seen = new Set<string>();
  for (const entry of raw.split(",").map((e) => e.trim()).filter(Boolean)) {
    const match = /^([^=\s]+)\s*=\s*(\S+)$/.exec(entry);
    if (!match) {
      problems.push(`RATE_LIMITS entry "${entry}" must be Procedure=N, e.g. Login=20`);
      continue;
    }
    const [, name, value] = match as unknown as [string, string, string];
    const procedure = resolveProcedure(name, problems);
    if (!procedure) continue;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT) {
      problems.push(`RATE_LIMITS ${name}=${value}: the limit must be an integer in [1, ${MAX_LIMIT}]`);
      continue;
    }
    if (seen.has(procedure)) problems.push(`RATE_LIMITS names ${procedure} more than once`);
    seen.add(procedure);
    limits.set(procedure, n);
  }
  return limits;
}

/** Health checks and reflection serve operators and tools (load balancers probe them constantly): never limited. */
export function isExempt(service: string): boolean {
  return /^grpc\.(health|reflection)\./.test(service);
}

function resolveProcedure(name: string, problems: string[]): string | undefined {
  const full = name.replace(/^\//, "");
  if (full.includes("/")) {
    if (LIMITED_PROCEDURES.includes(full)) return full;
    if (isExempt(full)) {
      problems.push(`RATE_LIMITS: ${full} is exempt from rate limiting (health and reflection are never limited)`);
      return undefined;
    }
  } else {
    const matches = LIMITED_PROCEDURES.filter((p) => p.endsWith(`/${full}`));
    if (matches.length === 1) return matches[0];
    if (matches.length > 1) {
      problems.push(`RATE_LIMITS: "${full}" is ambiguous, name one of ${matches.join(", ")}`);
      return undefined;
    }
  }
  problems.push(`RATE_LIMITS: unknown procedure "${name}"; valid: ${validNames().join(", ")} (or the full package.Service/Method)`);
  return undefined;
}

/** Method names where unique, full names where two services share a method name. */
function validNames(): string[] {
  const method = (p: string) => p.slice(p.indexOf("/") + 1);
  return LIMITED_PROCEDURES.map((p) => (LIMITED_PROCEDURES.filter((q) => method(q) === method(p)).length > 1 ? p : method(p)));
}
