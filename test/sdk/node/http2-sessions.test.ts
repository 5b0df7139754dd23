import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ContentType } from "../../../sdk/src/gen/stuckai/common/v1/common_pb.js";
import { RecommendationStatus } from "../../../sdk/src/gen/stuckai/content/v1/content_pb.js";
import { createStuckClient, DEFAULT_HTTP2_OPTIONS } from "../../../sdk/src/node/index.js";
import { list, startStubServer, untilCancelled, type StubServer } from "../helpers/stub-server.js";

describe("@stuckai/sdk/node's HTTP/2 connections", () => {
  let stub: StubServer;

  beforeAll(async () => {
    stub = await startStubServer();
    stub.getAnswers = [];
    stub.watchScripts = [
      async function* (ctx) {
        yield list(RecommendationStatus.READY, 1, ["a"], ContentType.MUSIC);
        await untilCancelled(ctx);
      },
    ];
  });
  afterAll(async () => {
    await stub?.close();
  });

  const watchOnce = async (client: ReturnType<typeof createStuckClient>, holdMs = 0) => {
    for await (const m of client.content.watchRecommendations({ contentType: ContentType.MUSIC })) {
      expect(m.recommendations[0]!.id).toBe("a");
      await new Promise((r) => setTimeout(r, holdMs));
      break;
    }
  };

  it("shares one connection per base URL between clients and protocols", async () => {
    const before = stub.connections.opened;
    await watchOnce(createStuckClient({ baseUrl: stub.baseUrl, auth: false }));
    await watchOnce(createStuckClient({ baseUrl: stub.baseUrl, protocol: "grpc", auth: false }));
    await watchOnce(createStuckClient({ baseUrl: `${stub.baseUrl}/`, auth: false }));
    expect(stub.connections.opened - before).toBe(1);
    // Other keep-alive settings are another connection.
    await watchOnce(createStuckClient({ baseUrl: stub.baseUrl, auth: false, http2: { pingIntervalMs: 20_000 } }));
    expect(stub.connections.opened - before).toBe(2);
  });

  it("pings while a stream is open, as often as configured", async () => {
    expect(DEFAULT_HTTP2_OPTIONS).toEqual({ pingIntervalMs: 30_000, pingTimeoutMs: 10_000, idleConnectionTimeoutMs: 300_000 });
    const before = stub.connections.pings;
    await watchOnce(createStuckClient({ baseUrl: stub.baseUrl, auth: false, http2: { pingIntervalMs: 100 } }), 700);
    expect(stub.connections.pings - before).toBeGreaterThanOrEqual(3);
  });
});
