import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../../../sdk/src/gen/stuckai/auth/v1/auth_pb.js";
import { client } from "../../helpers/clients.js";
import { expectRpcError } from "../../helpers/errors.js";
import { scrape, valueOf } from "../../helpers/prometheus.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";

const LOGIN = "stuckai.auth.v1.AuthService/Login";
const REGISTER = "stuckai.auth.v1.AuthService/Register";

describe.each(["sqlite", "postgres"] as const)("GET /metrics (%s)", (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("serves the Prometheus text format", async () => {
    const { contentType, samples } = await scrape(server.baseUrl);
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    // Node process metrics from collectDefaultMetrics.
    expect(samples.some((s) => s.name === "process_cpu_user_seconds_total")).toBe(true);
    expect(samples.some((s) => s.name === "nodejs_heap_size_used_bytes")).toBe(true);
  });

  it("counts calls and their latency per procedure, protocol and code, by exactly the calls made", async () => {
    const before = (await scrape(server.baseUrl)).samples;
    const grpcAuth = client(AuthService, "grpc", server.baseUrl);
    for (let i = 0; i < 3; i++) {
      await expectRpcError(grpcAuth.login({ email: `nobody.${i}@example.com`, password: "wrong-passw0rd" }), {
        code: Code.Unauthenticated,
        reason: "INVALID_CREDENTIALS",
      });
    }
    const connectAuth = client(AuthService, "connect-json-h1", server.baseUrl);
    for (let i = 0; i < 2; i++) {
      await connectAuth.register({ email: `metrics.${kind}.${i}@example.com`, password: "correct horse 42", displayName: "M" });
    }
    const after = (await scrape(server.baseUrl)).samples;

    const delta = (name: string, labels: Record<string, string>) => valueOf(after, name, labels) - valueOf(before, name, labels);
    const failedLogins = { procedure: LOGIN, protocol: "grpc", code: "unauthenticated" };
    const registers = { procedure: REGISTER, protocol: "connect", code: "ok" };
    expect(delta("stuckai_rpc_requests_total", failedLogins)).toBe(3);
    expect(delta("stuckai_rpc_requests_total", registers)).toBe(2);
    expect(delta("stuckai_rpc_duration_seconds_count", failedLogins)).toBe(3);
    expect(delta("stuckai_rpc_duration_seconds_count", registers)).toBe(2);
    expect(delta("stuckai_rpc_duration_seconds_bucket", { ...registers, le: "+Inf" })).toBe(2);
    expect(delta("stuckai_rpc_duration_seconds_sum", registers)).toBeGreaterThan(0);
    // Nothing was counted under a label set the calls did not have.
    expect(delta("stuckai_rpc_requests_total", { procedure: LOGIN, protocol: "connect", code: "unauthenticated" })).toBe(0);
    expect(delta("stuckai_rpc_requests_total", { procedure: REGISTER, protocol: "grpc", code: "ok" })).toBe(0);
    // Every call has ended, so none is in flight.
    expect(valueOf(after, "stuckai_rpc_in_flight", { procedure: REGISTER, protocol: "connect" })).toBe(0);
    expect(valueOf(after, "stuckai_rpc_in_flight", { procedure: LOGIN, protocol: "grpc" })).toBe(0);
  });

  it("reports the database connection pool on every scrape", async () => {
    const { samples } = await scrape(server.baseUrl);
    const used = valueOf(samples, "stuckai_db_pool_connections", { state: "used" });
    const free = valueOf(samples, "stuckai_db_pool_connections", { state: "free" });
    const pending = valueOf(samples, "stuckai_db_pool_connections", { state: "pending" });
    expect(samples.filter((s) => s.name === "stuckai_db_pool_connections").map((s) => s.labels.state).sort()).toEqual([
      "free",
      "pending",
      "used",
    ]);
    // The earlier calls opened at least one connection, which is back in the pool between scrapes.
    expect(used + free).toBeGreaterThanOrEqual(1);
    expect(used).toBe(0);
    expect(pending).toBe(0);
  });
});
