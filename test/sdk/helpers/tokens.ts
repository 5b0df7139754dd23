import jwt from "jsonwebtoken";
import { TEST_JWT_SECRET } from "../../helpers/server.js";

/**
 * The same access token, already expired a minute ago: signed with the test server's secret, so the
 * server refuses it with TOKEN_EXPIRED rather than TOKEN_INVALID. (The server's shortest TTL is 30 s,
 * too long to wait for in a test.)
 */
export function expiredCopyOf(accessToken: string): string {
  const claims = jwt.decode(accessToken) as jwt.JwtPayload;
  const now = Math.floor(Date.now() / 1000);
  return jwt.sign({ ...claims, iat: now - 120, exp: now - 60 }, TEST_JWT_SECRET, { algorithm: "HS256" });
}
