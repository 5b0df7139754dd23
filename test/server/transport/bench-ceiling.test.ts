import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ContentType } from "../../../sdk/src/gen/stuckai/common/v1/common_pb.js";
import { ContentService, GetRecommendationsResponseSchema, RecommendationStatus } from "../../../sdk/src/gen/stuckai/content/v1/content_pb.js";
import { Code, createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { equals } from "@bufbuild/protobuf";
import { expectRpcError } from "../../helpers/errors.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";

describe("the benchmark ceiling handler", () => {
  const servers: TestServer[] = [];
  const toCeiling: Interceptor = (next) => (req) => (req.header.set("x-stuckai-bench", "ceiling"), next(req));
  const ceilingClient = (server: TestServer) => createClient(ContentService, createGrpcTransport({ baseUrl: server.baseUrl, interceptors: [toCeiling] }));
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
    // Binary answers carry entries encoded once; JSON ones the same list built as messages.
    const json = createClient(
      ContentService,
      createConnectTransport({ baseUrl: servers[0]!.baseUrl, httpVersion: "1.1", interceptors: [toCeiling] }),
    );
    expect(equals(GetRecommendationsResponseSchema, await json.getRecommendations({ contentType: ContentType.MOVIE }), res)).toBe(true);
  });

  it("does not exist otherwise: the header changes nothing and the call needs a token", async () => {
    await expectRpcError(ceilingClient(servers[1]!).getRecommendations({ contentType: ContentType.MOVIE }), { code: Code.Unauthenticated, reason: "UNAUTHENTICATED" });
  });
});
