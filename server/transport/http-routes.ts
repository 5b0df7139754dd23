import { randomUUID } from "node:crypto";
import { CLIENT_IP_HEADER, clientIp } from "./client-ip.js";
import type { RequestHandler } from "./listener.js";
import type { CorsOrigins } from "../config/cors.js";
import { applyCors } from "./cors.js";
import { stopUnreadRequest } from "./unread-requests.js";

const NO_ORIGINS: CorsOrigins = new Set();

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Plain HTTP endpoints beside the RPCs on the same port, and the request id for every request:
 * an acceptable incoming `x-request-id` is kept, else one is made, and it is echoed on every
 * response (the request-id interceptor reads it from the request headers).
 */
export function httpRoutes(
  rpc: RequestHandler,
  /** `/health`, `/ready`, `/health/detailed`, `/metrics` (ops-routes.ts); true when it answered. */
  ops: (req: Parameters<RequestHandler>[0], res: Parameters<RequestHandler>[1]) => boolean,
  opts: { trustProxy?: boolean; corsOrigins?: CorsOrigins } = {},
): RequestHandler {
  return (req, res) => {
    const incoming = req.headers["x-request-id"];
    const id = typeof incoming === "string" && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    req.headers["x-request-id"] = id;
    res.setHeader("x-request-id", id);
    // Overwritten on every request: the rate limiter keys anonymous calls by it.
    req.headers[CLIENT_IP_HEADER] = clientIp(req, opts.trustProxy ?? false);
    if (ops(req, res)) return;
    // Plain routes above stay same-origin; only the RPCs are offered to browsers on other origins.
    if (applyCors(opts.corsOrigins ?? NO_ORIGINS, req, res)) return;
    stopUnreadRequest(req, res);
    rpc(req, res);
  };
}
