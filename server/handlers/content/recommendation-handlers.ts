import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { ContentType } from "../../../sdk/src/gen/stuckai/common/v1/common_pb.js";
import { create } from "@bufbuild/protobuf";
import {
  GetRecommendationsResponseSchema,
  RecommendationSource,
  RecommendationStatus,
  WatchRecommendationsResponseSchema,
  type ContentService,
  type WatchRecommendationsResponse,
} from "../../../sdk/src/gen/stuckai/content/v1/content_pb.js";
import type { ContentKind } from "../../domain/content/kinds.js";
import { DEFAULT_PAGE_SIZE, type ListAnswer, type Recommendations } from "../../domain/recommendations/recommendations.js";
import { contentKindOf, toContentTypeEnum, toListEntry } from "../content-convert.js";
import { toTimestamp } from "../convert.js";
import { requirePrincipal } from "../principal.js";
import { binaryRequest, encodedEntries } from "./encoded-entries.js";

type Handlers = Pick<ServiceImpl<typeof ContentService>, "getRecommendations" | "watchRecommendations" | "refreshRecommendations">;

const SOURCES = { cache: RecommendationSource.CACHE, database: RecommendationSource.DATABASE } as const;

/** GetRecommendations, WatchRecommendations and RefreshRecommendations: proto ⇄ the Recommendations domain. */
export function recommendationHandlers(recommendations: Recommendations): Handlers {
  return {
    async getRecommendations(req, ctx: HandlerContext) {
      const { answer, entries, nextPageToken } = await recommendations.page(requirePrincipal(ctx).userId, {
        contentType: kindOf(req.contentType),
        location: req.location,
        pageSize: req.pageSize,
        pageToken: req.pageToken,
      });
      if (answer.status !== "ready") return { status: RecommendationStatus.GENERATING, source: RecommendationSource.NONE };
      const { list } = answer;
      const fields = {
        status: RecommendationStatus.READY,
        source: SOURCES[answer.source],
        nextPageToken,
        generateTime: toTimestamp(list.generatedAt),
        expireTime: toTimestamp(list.expiresAt),
      };
      if (!binaryRequest(ctx.requestHeader.get("content-type"))) {
        return { ...fields, recommendations: entries.map((e) => toListEntry(e, list.expiresAt)) };
      }
      const response = create(GetRecommendationsResponseSchema, fields);
      response.$unknown = encodedEntries(entries, list.expiresAt);
      return response;
    },

    async *watchRecommendations(req, ctx: HandlerContext) {
      const contentType = kindOf(req.contentType);
      const updates = recommendations.watch(requirePrincipal(ctx).userId, { contentType, location: req.location, pageSize: req.pageSize }, ctx.signal);
      for await (const answer of updates) yield toWatchMessage(req.contentType, answer, req.pageSize || DEFAULT_PAGE_SIZE);
    },

    async refreshRecommendations(req, ctx: HandlerContext) {
      const types = await recommendations.refresh(requirePrincipal(ctx).userId, {
        contentTypes: req.contentTypes.map((t) => contentKindOf(t)),
        location: req.location,
      });
      return { contentTypes: types.map(toContentTypeEnum) };
    },
  };
}

/** UNSPECIFIED and unknown numbers both read as missing: the domain names the field. */
function kindOf(value: ContentType): ContentKind | undefined {
  return contentKindOf(value);
}

function toWatchMessage(contentType: ContentType, answer: ListAnswer, pageSize: number): WatchRecommendationsResponse {
  if (answer.status !== "ready") return create(WatchRecommendationsResponseSchema, { contentType, status: RecommendationStatus.GENERATING });
  const { list } = answer;
  return create(WatchRecommendationsResponseSchema, {
    contentType,
    status: RecommendationStatus.READY,
    recommendations: list.entries.slice(0, pageSize).map((e) => toListEntry(e, list.expiresAt)),
    generateTime: toTimestamp(list.generatedAt),
    expireTime: toTimestamp(list.expiresAt),
  });
}
