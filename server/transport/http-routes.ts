import { randomUUID } from "node:crypto";
import type { RequestHandler } from "./listener.js";

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Plain HTTP endpoints beside the RPCs on the same port, and the request id for every request:
 * an acceptable incoming `x-request-id` is kept, else one is made, and it is echoed on every
 * response (the request-id interceptor reads it from the request headers).
 */
export function httpRoutes(rpc: RequestHandler, checks: { ready: () => Promise<boolean> }): RequestHandler {
  return (req, res) => {
    const incoming = req.headers["x-request-id"];
    const id = typeof incoming === "string" && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    req.headers["x-request-id"] = id;
    res.setHeader("x-request-id", id);
    if (req.method === "GET" && req.url === "/health") {
      // Liveness: the process answers. Dependencies are /ready's business.
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ status: "ok" }));
      return;
    }
    if (req.method === "GET" && req.url === "/ready") {
      void checks.ready().then((ok) => {
        res.writeHead(ok ? 200 : 503, { "content-type": "application/json" });
        res.end(JSON.stringify({ status: ok ? "ready" : "unavailable", database: ok ? "ok" : "unreachable" }));
      });
      return;
    }
    rpc(req, res);
  };
}
