import { existsSync, readFileSync } from "node:fs";
import { EnvReader, type Env } from "./env.js";
import { loadRateLimitConfig, type RateLimitConfig } from "./rate-limit.js";
import { loadCompressMinBytes } from "./compression.js";
import { loadCorsOrigins, type CorsOrigins } from "./cors.js";
import { loadLifecycleConfig, type LifecycleConfig } from "./lifecycle.js";
import { loadRecommendationConfig, type RecommendationConfig } from "./recommendations.js";
import { loadStorageConfig, type StorageConfig } from "./storage.js";

/** Validated runtime configuration. Every variable is documented in `.env.example`. */
export interface Config extends StorageConfig {
  readonly env: "development" | "production" | "test";
  /** Interface to bind; undefined binds every interface, IPv6 and IPv4 (Node's default). */
  readonly host: string | undefined;
  readonly port: number;
  readonly logLevel: string;
  /** V8's old-generation growth after each full GC, in percent (0: V8's own heuristics, up to 300). */
  readonly heapGrowingPercent: number;
  readonly jwt: JwtConfig;
  readonly accessTokenTtlSec: number;
  readonly refreshTokenTtlSec: number;
  readonly adminEmails: ReadonlySet<string>;
  /** log2 of the scrypt cost parameter N. */
  readonly scryptLogN: number;
  readonly tls: { certFile: string; keyFile: string } | undefined;
  readonly maxTimeoutMs: number;
  /**
   * Largest request message accepted, in bytes (after decompression); a bigger one is refused with
   * `resource_exhausted` before it is parsed, so one request cannot make the server buffer gigabytes.
   */
  readonly maxMessageBytes: number;
  readonly rateLimit: RateLimitConfig;
  /** Behind a reverse proxy: take the client IP from the first X-Forwarded-For entry. */
  readonly trustProxy: boolean;
  /** Origins allowed to call from browsers (CORS); empty: same-origin only. */
  readonly corsOrigins: CorsOrigins;
  /** Smallest response gzipped for clients that accept it; Infinity: never. */
  readonly compressMinBytes: number;
  /** Shutdown grace, HTTP/2 keep-alive pings, health-check timeout. */
  readonly lifecycle: LifecycleConfig;
  /** When catalog/starter/ is loaded into an empty catalog at start (see STARTER_CATALOG_MODES). */
  readonly starterCatalog: StarterCatalogMode;
  /** Lists, their cache and the generation jobs (shared with the worker). */
  readonly recommendations: RecommendationConfig;
  /** Benchmarks only: serve the ceiling handler to requests marked `x-stuckai-bench: ceiling`. */
  readonly benchCeiling: boolean;
}

export type JwtConfig =
  | { alg: "HS256"; secret: string; secretSource: "env" | "generated"; issuer: string; audience: string }
  | { alg: "RS256"; privateKey: string; publicKey: string; issuer: string; audience: string };

/** `auto`: on the embedded SQLite default only; `always`: on Postgres too; `off`: never. */
export const STARTER_CATALOG_MODES = ["auto", "always", "off"] as const;
export type StarterCatalogMode = (typeof STARTER_CATALOG_MODES)[number];

export const LOG_LEVELS: readonly string[] = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}


/** Reads and validates the configuration, reporting every bad variable at once. */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const reader = new EnvReader(env, problems);
  const str = reader.str.bind(reader);
  const int = reader.int.bind(reader);

  const nodeEnv = str("NODE_ENV", "development");
  if (!["development", "production", "test"].includes(nodeEnv)) {
    problems.push(`NODE_ENV must be development, production or test, got "${nodeEnv}"`);
  }
  const env_ = nodeEnv as Config["env"];

  const storage = loadStorageConfig(env, problems);
  const { dataDir } = storage;
  const logLevel = str("LOG_LEVEL", "info");
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}`);

  const starterCatalog = str("STARTER_CATALOG", "auto") as StarterCatalogMode;
  if (!STARTER_CATALOG_MODES.includes(starterCatalog)) {
    problems.push(`STARTER_CATALOG must be one of ${STARTER_CATALOG_MODES.join(", ")}, got "${starterCatalog}"`);
  }
  const issuer = str("JWT_ISSUER", "stuckai");
  const audience = str("JWT_AUDIENCE", "stuckai-api");
  const jwt = loadJwt(env, env_, dataDir, issuer, audience, problems);

  const certFile = env.TLS_CERT_FILE?.trim();
  const keyFile = env.TLS_KEY_FILE?.trim();
  if (Boolean(certFile) !== Boolean(keyFile)) {
    problems.push("TLS_CERT_FILE and TLS_KEY_FILE must be set together");
  }
  for (const [name, file] of [["TLS_CERT_FILE", certFile], ["TLS_KEY_FILE", keyFile]] as const) {
    if (file && !existsSync(file)) problems.push(`${name}: no file at ${file}`);
  }

  const config: Config = {
    env: env_,
    host: env.HOST?.trim() || undefined,
    port: int("PORT", 8080, 0, 65535),
    ...storage,
    logLevel,
    heapGrowingPercent: int("HEAP_GROWING_PERCENT", 0, 0, 300),
    jwt,
    accessTokenTtlSec: int("ACCESS_TOKEN_TTL_SECONDS", 15 * 60, 30, 24 * 3600),
    refreshTokenTtlSec: int("REFRESH_TOKEN_TTL_SECONDS", 30 * 24 * 3600, 60, 365 * 24 * 3600),
    adminEmails: new Set(
      str("ADMIN_EMAILS", "")
        .split(",")
        .map((e) => e.trim().toLowerCase())
        .filter(Boolean),
    ),
    scryptLogN: int("SCRYPT_LOG_N", 17, 10, 20),
    tls: certFile && keyFile ? { certFile, keyFile } : undefined,
    maxTimeoutMs: int("MAX_TIMEOUT_MS", 60_000, 1_000, 3_600_000),
    // gRPC's customary 4 MiB: a full ImportContentItems batch of typical items (~1 KB each) fits.
    maxMessageBytes: int("MAX_MESSAGE_BYTES", 4 * 1024 * 1024, 1024, 256 * 1024 * 1024, " (bytes)"),
    rateLimit: loadRateLimitConfig(env, problems),
    trustProxy: reader.bool("TRUST_PROXY", false),
    corsOrigins: loadCorsOrigins(env, problems),
    compressMinBytes: loadCompressMinBytes(env, problems),
    lifecycle: loadLifecycleConfig(env, problems),
    starterCatalog,
    recommendations: loadRecommendationConfig(env, problems),
    benchCeiling: reader.bool("BENCH_CEILING", false),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function loadJwt(
  env: Env,
  nodeEnv: Config["env"],
  dataDir: string,
  issuer: string,
  audience: string,
  problems: string[],
): JwtConfig {
  const privFile = env.JWT_PRIVATE_KEY_FILE?.trim();
  const pubFile = env.JWT_PUBLIC_KEY_FILE?.trim();
  if (privFile || pubFile) {
    if (!privFile || !pubFile) {
      problems.push("JWT_PRIVATE_KEY_FILE and JWT_PUBLIC_KEY_FILE must be set together (RS256)");
    } else if (!existsSync(privFile) || !existsSync(pubFile)) {
      problems.push("JWT_PRIVATE_KEY_FILE or JWT_PUBLIC_KEY_FILE names a file that does not exist");
    } else {
      return {
        alg: "RS256",
        privateKey: readFileSync(privFile, "utf8"),
        publicKey: readFileSync(pubFile, "utf8"),
        issuer,
        audience,
      };
    }
  }
  const secret = env.JWT_SECRET;
  if (secret !== undefined && secret !== "") {
    if (secret.length < 32) problems.push("JWT_SECRET must be at least 32 characters");
    return { alg: "HS256", secret, secretSource: "env", issuer, audience };
  }
  if (nodeEnv === "production") {
    problems.push(
      "JWT_SECRET is required when NODE_ENV=production (or JWT_PRIVATE_KEY_FILE/JWT_PUBLIC_KEY_FILE for RS256)",
    );
  }
  // The secret itself is generated lazily (see jwt-secret-file.ts) so that loading config has no side effects.
  return { alg: "HS256", secret: "", secretSource: "generated", issuer, audience };
}
