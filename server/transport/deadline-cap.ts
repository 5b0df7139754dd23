import type { IncomingHttpHeaders } from "node:http";

const GRPC_UNITS_MS: Readonly<Record<string, number>> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 1e-3, n: 1e-6 };
const GRPC_TIMEOUT = /^(\d{1,8})([HMSmun])$/;
const CONNECT_TIMEOUT = /^\d{1,10}$/;

/**
 * Shortens a client deadline longer than `maxMs` to `maxMs`, in place, before the adapter reads it.
 * The adapter alone would refuse such a call (`invalid_argument`), but a long deadline is not a
 * client mistake: gRPC servers and proxies (Envoy's `max_grpc_timeout`) cap it instead. Malformed
 * values are left for the adapter to refuse.
 */
export function capDeadline(headers: IncomingHttpHeaders, maxMs: number): void {
  const grpc = headers["grpc-timeout"];
  if (typeof grpc === "string") {
    const m = GRPC_TIMEOUT.exec(grpc);
    if (m && Number(m[1]) * GRPC_UNITS_MS[m[2]!]! > maxMs) headers["grpc-timeout"] = `${maxMs}m`;
  }
  const connect = headers["connect-timeout-ms"];
  if (typeof connect === "string" && CONNECT_TIMEOUT.test(connect) && Number(connect) > maxMs) {
    headers["connect-timeout-ms"] = String(maxMs);
  }
}
