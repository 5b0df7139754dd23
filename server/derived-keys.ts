import { createHmac } from "node:crypto";
import type { JwtConfig } from "./config/config.js";

/**
 * A key for one purpose (e.g. signing page tokens), derived from the server's signing secret so
 * that operators manage one secret, and a key leaked for one purpose says nothing of the others.
 */
export function deriveKey(jwt: JwtConfig, purpose: string): Buffer {
  const root = jwt.alg === "HS256" ? jwt.secret : jwt.privateKey;
  return createHmac("sha256", root).update(`stuckai/${purpose}/v1`).digest();
}
