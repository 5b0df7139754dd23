import http from "node:http";
import type net from "node:net";
import type { Registry } from "prom-client";

/**
 * The worker's operator port: `GET /health` (the process answers) and `GET /metrics`
 * (Prometheus). Nothing else is served on it.
 */
export function workerHttpServer(registry: Registry): http.Server {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "").split("?")[0];
    const send = (status: number, contentType: string, body: string) => {
      res.writeHead(status, { "content-type": contentType, "cache-control": "no-store" });
      res.end(body);
    };
    const json = (status: number, body: unknown) => send(status, "application/json", JSON.stringify(body));
    if (path !== "/health" && path !== "/metrics") return json(404, { error: `no route ${path}; this port serves GET /health and GET /metrics` });
    if (req.method !== "GET") return json(405, { error: `${path} answers GET only` });
    if (path === "/health") return json(200, { status: "ok" });
    registry.metrics().then(
      (text) => send(200, registry.contentType, text),
      (err: unknown) => json(500, { error: err instanceof Error ? err.message : String(err) }),
    );
  });
  // Probes and scrapers reconnect often; idle keep-alive sockets must not hold shutdown up.
  server.keepAliveTimeout = 5_000;
  return server;
}

export function listen(server: http.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, () => {
      server.off("error", reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

/** Stops accepting and closes idle connections; a scrape in progress may finish. */
export function close(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
