import { cors as connectCors } from "@connectrpc/connect";
import type { CorsOrigins } from "../config/cors.js";
import type { RequestHandler } from "./listener.js";

type Request = Parameters<RequestHandler>[0];
type Response = Parameters<RequestHandler>[1];

const unique = (names: readonly string[]) => [...new Set(names.map((n) => n.toLowerCase()))];

/** What browser scripts may send: the Connect and gRPC-Web protocol headers plus ours. */
export const CORS_ALLOWED_HEADERS = unique([...connectCors.allowedHeaders, "authorization", "x-request-id"]);

/**
 * What browser scripts may read. gRPC-Web clients cannot see the status or error details without
 * the grpc-* headers; the request id and rate-limit headers are what a web client shows or backs
 * off on.
 */
export const CORS_EXPOSED_HEADERS = unique([
  ...connectCors.exposedHeaders,
  "grpc-status",
  "grpc-message",
  "grpc-status-details-bin",
  "x-request-id",
  "x-ratelimit-limit",
  "x-ratelimit-remaining",
  "x-ratelimit-reset",
  "retry-after",
]);

/** Chromium caps a cached preflight at two hours, so longer would only matter to Firefox. */
export const CORS_MAX_AGE_SECONDS = 7200;

/**
 * Applies the CORS policy to a request bound for the RPC handler. Answers preflights itself (204
 * for an allowed origin, 403 otherwise) and returns true; for other requests adds the headers a
 * browser needs to hand the response to the page, or none for a disallowed origin, and returns
 * false. The call itself still runs for a disallowed origin: CORS protects the browser user, and
 * non-browser clients that send an Origin are no threat it could stop.
 */
export function applyCors(origins: CorsOrigins, req: Request, res: Response): boolean {
  const origin = req.headers.origin;
  const allowed = typeof origin === "string" && (origins === "*" || origins.has(origin));
  // The answer differs by Origin only when specific origins are listed; caches must know that.
  const varies = origins !== "*" && origins.size > 0;
  const allowOrigin = origins === "*" ? "*" : (origin ?? "");

  if (req.method === "OPTIONS" && origin !== undefined && req.headers["access-control-request-method"] !== undefined) {
    if (!allowed) {
      res.writeHead(403, { "content-type": "text/plain; charset=utf-8", ...(varies ? { vary: "Origin" } : {}) });
      res.end("CORS: this origin may not call the API (see CORS_ORIGINS)\n");
      return true;
    }
    res.writeHead(204, {
      "access-control-allow-origin": allowOrigin,
      "access-control-allow-methods": connectCors.allowedMethods.join(", "),
      "access-control-allow-headers": CORS_ALLOWED_HEADERS.join(", "),
      "access-control-max-age": String(CORS_MAX_AGE_SECONDS),
      ...(varies ? { vary: "Origin" } : {}),
    });
    res.end();
    return true;
  }

  if (varies) res.setHeader("vary", "Origin");
  if (allowed) {
    res.setHeader("access-control-allow-origin", allowOrigin);
    res.setHeader("access-control-expose-headers", CORS_EXPOSED_HEADERS.join(", "));
  }
  return false;
}
