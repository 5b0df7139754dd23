import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ContentType } from "../../../sdk/src/gen/stuckai/common/v1/common_pb.js";
import { ContentService, RecommendationStatus } from "../../../sdk/src/gen/stuckai/content/v1/content_pb.js";
import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { expectRpcError } from "../../helpers/errors.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";

describe("the benchmark ceiling handler", () => {
  const servers: TestServer[] = [];
  const ceilingClient = (server: TestServer) =>
    createClient(ContentService, createGrpcTransport({ baseUrl: server.baseUrl, interceptors: [(next) => (req) => (req.header.set("x-stuckai-bench", "ceiling"), next(req))] }));
  beforeAll(async () => {
    servers.push(await startTestServer("sqlite", { BENCH_CEILING: "true" }), await startTestServer("sqlite"));
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  it("answers a 20-item list without credentials when BENCH_CEILING is on", async () => {
    const res = await ceilingClient(servers[0]!).getRecommendations({ contentType: ContentType.MOVIE });
    expect(res.status).toBe(RecommendationStatus.READY);
    expect(res.recommendations).toHaveLength(20);
    expect(res.recommendations[0]!.item!.title.length).toBeGreaterThan(0);
  });

  it("does not exist otherwise: the header changes nothing and the call needs a token", async () => {
    await expectRpcError(ceilingClient(servers[1]!).getRecommendations({ contentType: ContentType.MOVIE }), { code: Code.Unauthenticated, reason: "UNAUTHENTICATED" });
  });
});
