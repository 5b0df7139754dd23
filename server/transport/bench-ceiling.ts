import { connectNodeAdapter } from "@connectrpc/connect-node";
import { create } from "@bufbuild/protobuf";
import {
  ContentService,
  GetRecommendationsResponseSchema,
  RecommendationSource,
  RecommendationStatus,
  type GetRecommendationsResponse,
} from "../../sdk/src/gen/stuckai/content/v1/content_pb.js";
import { readStarterCatalog } from "../domain/content/starter-catalog.js";
import { toListEntry } from "../handlers/content-convert.js";
import { toTimestamp } from "../handlers/convert.js";
import { binaryRequest, encodedEntries } from "../handlers/content/encoded-entries.js";
import type { ListEntry } from "../domain/recommendations/lists.js";
import { sizedGzip } from "./gzip.js";

/** Requests carrying this header reach the ceiling handler when BENCH_CEILING is on. */
export const BENCH_HEADER = "x-stuckai-bench";

/**
 * The benchmark's ceiling (`npm run bench`, BENCH_CEILING=true only): GetRecommendations answered
 * with a precomputed 20-item list of real starter movies (encoded once), with no interceptor, auth
 * or I/O, on the same port, listener and protocol stack as every RPC. What a cached answer costs
 * beyond it is what the request path adds.
 */
export function benchCeiling(): ReturnType<typeof connectNodeAdapter> {
  const { asBinary, asJson } = ceilingAnswers();
  return connectNodeAdapter({
    routes: (router) =>
      router.rpc(ContentService.method.getRecommendations, async (_req, ctx) => (binaryRequest(ctx.requestHeader.get("content-type")) ? asBinary : asJson)),
    acceptCompression: [sizedGzip],
  });
}

/**
 * The ceiling's answer, for binary requests (its entries encoded once, as a repeated cache hit's
 * are) and for JSON ones. bench/framework-floor.ts sends the same bytes from a bare node:http2 handler.
 */
export function ceilingAnswers(): { readonly asBinary: GetRecommendationsResponse; readonly asJson: GetRecommendationsResponse } {
  const now = new Date();
  const movies = readStarterCatalog(now).filter((i) => i.contentType === "movie").slice(0, 20);
  const expiresAt = new Date(now.getTime() + 3_600_000);
  const entries: ListEntry[] = movies.map((m, i) => ({
    id: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    item: {
      id: `10000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
      contentType: "movie",
      externalId: m.externalId ?? `m${i}`,
      title: m.title ?? "",
      description: m.description ?? "",
      tags: m.tags ?? [],
      metadata: (m.metadata ?? {}) as Record<string, unknown>,
      popularity: 0.5,
      createdAt: now,
      updatedAt: now,
    },
    relevanceScore: 1 - i / 40,
    rankingPosition: i + 1,
    reasons: ["matches your interest in drama", "people who liked Amélie liked this"],
  }));
  const fields = {
    status: RecommendationStatus.READY,
    source: RecommendationSource.CACHE,
    generateTime: toTimestamp(now),
    expireTime: toTimestamp(expiresAt),
  };
  // Answered as a cache hit answers (encoded entries for binary requests), so the two differ only by
  // what the request path adds: interceptors, auth, the cache read.
  const asJson: GetRecommendationsResponse = create(GetRecommendationsResponseSchema, { ...fields, recommendations: entries.map((e) => toListEntry(e, expiresAt)) });
  const asBinary: GetRecommendationsResponse = create(GetRecommendationsResponseSchema, fields);
  asBinary.$unknown = encodedEntries(entries, expiresAt);
  return { asBinary, asJson };
}
