import type http from "node:http";
import type http2 from "node:http2";
import type { Registry } from "prom-client";
import { processInfo } from "../observability/process-info.js";
import type { Readiness, ReadinessReport } from "../observability/readiness.js";

/**
 * The generation queue's depth by job type. Undefined until the content issue adds the queue;
 * `/health/detailed` then shows it instead of "not configured".
 */
export type QueueDepthSource = () => Promise<Readonly<Record<string, number>>>;

export interface OpsDependencies {
  readonly readiness: Readiness;
  readonly registry: Registry;
  readonly queueDepth?: QueueDepthSource;
}

type Req = http.IncomingMessage | http2.Http2ServerRequest;
type Res = http.ServerResponse | http2.Http2ServerResponse;

/**
 * The operators' endpoints beside the RPCs: `/health` (liveness), `/ready` (dependencies),
 * `/health/detailed` (dependencies with latencies, queue, process) and `/metrics` (Prometheus).
 * Returns false for any other request. They carry no secrets, but `/health/detailed` and
 * `/metrics` describe internals: expose them to the monitoring network only, at the proxy.
 */
export function opsRoutes(deps: OpsDependencies): (req: Req, res: Res) => boolean {
  return (req, res) => {
    if (req.method !== "GET") return false;
    const path = (req.url ?? "").split("?")[0];
    switch (path) {
      case "/health":
        // Liveness: the process answers. Dependencies are /ready's business.
        json(res, 200, { status: "ok" });
        return true;
      case "/ready":
        answer(res, deps.readiness.report().then((r) => [r.ready ? 200 : 503, readyBody(r)]));
        return true;
      case "/health/detailed":
        answer(res, detailed(deps));
        return true;
      case "/metrics":
        answer(
          res,
          deps.registry.metrics().then((text) => [200, text]),
          deps.registry.contentType,
        );
        return true;
      default:
        return false;
    }
  };
}

function readyBody(r: ReadinessReport) {
  const dependencies = Object.fromEntries(
    Object.entries(r.dependencies).map(([name, d]) => [name, d.status === "down" ? { status: d.status, error: d.error } : { status: d.status }]),
  );
  return { status: r.ready ? "ready" : "unavailable", failing: r.failing, dependencies };
}

async function detailed(deps: OpsDependencies): Promise<[number, unknown]> {
  const [report, queue] = await Promise.all([deps.readiness.report(), queueStatus(deps.queueDepth)]);
  return [
    report.ready ? 200 : 503,
    { status: report.ready ? "ready" : "unavailable", failing: report.failing, dependencies: report.dependencies, queue, ...processInfo() },
  ];
}

async function queueStatus(source: QueueDepthSource | undefined) {
  if (!source) return { status: "not configured", depth: 0 };
  try {
    const byJobType = await source();
    return { status: "ok", depth: Object.values(byJobType).reduce((a, b) => a + b, 0), byJobType };
  } catch (err) {
    return { status: "down", depth: null, error: err instanceof Error ? err.message : String(err) };
  }
}

function answer(res: Res, body: Promise<[number, unknown]>, contentType = "application/json"): void {
  body.then(
    ([status, payload]) => (contentType === "application/json" ? json(res, status, payload) : send(res, status, String(payload), contentType)),
    // Only a bug gets here (checks report failures as data); say so rather than hang the probe.
    (err: unknown) => json(res, 500, { status: "error", error: err instanceof Error ? err.message : String(err) }),
  );
}

function json(res: Res, status: number, payload: unknown): void {
  send(res, status, JSON.stringify(payload), "application/json");
}

function send(res: Res, status: number, body: string, contentType: string): void {
  if (res.headersSent || res.destroyed) return;
  // Probes and scrapers must never see a stale answer from a cache in between.
  res.writeHead(status, { "content-type": contentType, "cache-control": "no-store" });
  res.end(body);
}
