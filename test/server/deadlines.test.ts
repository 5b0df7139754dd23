import { Code, createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Health, HealthCheckResponse_ServingStatus as Status } from "../../sdk/src/gen/grpc/health/v1/health_pb.js";
import { makeTransport, type TransportName } from "../helpers/clients.js";
import { expectRpcError } from "../helpers/errors.js";
import { scrape, valueOf } from "../helpers/prometheus.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

let server: TestServer;
beforeAll(async () => {
  // The smallest cap allowed, so the capping case ends in about a second.
  server = await startTestServer("sqlite", { MAX_TIMEOUT_MS: "1000" });
});
afterAll(async () => {
  await server?.stop();
});

/** Watches health (a stream that never ends by itself) and resolves with how it ended, after its first message. */
async function watchUntilEnd(transport: TransportName, options: { headers?: Record<string, string>; timeoutMs?: number }) {
  const health = createClient(Health, makeTransport(transport, server.baseUrl));
  const statuses: Status[] = [];
  const ended = (async () => {
    for await (const res of health.watch({ service: "" }, options)) statuses.push(res.status);
  })();
  const err = await expectRpcError(ended, { code: Code.DeadlineExceeded, reason: "DEADLINE_EXCEEDED" });
  expect(statuses).toEqual([Status.SERVING]);
  return err;
}

const WATCH = "grpc.health.v1.Health/Watch";

describe("client deadlines", () => {
  // Set as a raw header, the deadline is known only to the server: the client has no timer of its own,
  // so the ending proves the server enforced it.
  it("ends a gRPC call at the grpc-timeout the client sent, with deadline_exceeded", async () => {
    const before = (await scrape(server.baseUrl)).samples;
    await watchUntilEnd("grpc", { headers: { "grpc-timeout": "300m" } });
    const after = (await scrape(server.baseUrl)).samples;
    const labels = { procedure: WATCH, protocol: "grpc", code: "deadline_exceeded" };
    expect(valueOf(after, "stuckai_rpc_requests_total", labels) - valueOf(before, "stuckai_rpc_requests_total", labels)).toBe(1);
  });

  it("ends a Connect call at the connect-timeout-ms the client sent", async () => {
    await watchUntilEnd("connect-binary-h2", { headers: { "connect-timeout-ms": "300" } });
  });

  it("gives a client its own timeoutMs as deadline_exceeded, over gRPC-Web on HTTP/1.1 too", async () => {
    // Client and server both count down; whichever ends it first, the client sees deadline_exceeded
    // (with server details only when the server's timer won, so they are not asserted here).
    const health = createClient(Health, makeTransport("grpc-web-h1", server.baseUrl));
    const ended = (async () => {
      for await (const _ of health.watch({ service: "" }, { timeoutMs: 300 }));
    })();
    await expect(ended).rejects.toMatchObject({ code: Code.DeadlineExceeded });
  });

  it("shortens a deadline above MAX_TIMEOUT_MS to the cap instead of refusing the call", async () => {
    await watchUntilEnd("grpc", { headers: { "grpc-timeout": "5M" } });
    await watchUntilEnd("connect-binary-h2", { headers: { "connect-timeout-ms": "600000" } });
  });
});
