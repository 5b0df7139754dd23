import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Logger } from "pino";
import type { Config, JwtConfig } from "./config/config.js";

/**
 * The embedded default's JWT secret: generated once and kept in `<DATA_DIR>/jwt-secret` (mode 0600),
 * so tokens survive restarts. Production refuses to start without JWT_SECRET (see config.ts).
 */
export function resolveJwtSecret(config: Config, logger: Logger): JwtConfig {
  const jwt = config.jwt;
  if (jwt.alg !== "HS256" || jwt.secretSource !== "generated") return jwt;
  const file = path.join(config.dataDir, "jwt-secret");
  if (!existsSync(file)) {
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(file, randomBytes(48).toString("base64url"), { mode: 0o600, flag: "wx" });
    chmodSync(file, 0o600);
  }
  logger.warn({ file }, "JWT_SECRET is not set: using a generated secret kept in DATA_DIR (fine locally, set JWT_SECRET in production)");
  return { ...jwt, secret: readFileSync(file, "utf8").trim() };
}
