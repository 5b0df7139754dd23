import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { UserService } from "../../../sdk/src/gen/stuckai/user/v1/user_pb.js";
import type { InteractionHistory } from "../../domain/users/interaction-history.js";
import { contentKindOf, interactionKindOf, toContentTypeEnum, toInteraction, toInteractionTypeEnum } from "../content-convert.js";
import { toTimestamp } from "../convert.js";
import { requirePrincipal } from "../principal.js";

/** Proto enum filter → domain kind; an unknown number becomes a value the domain rejects naming the field, with every other problem. */
function filterOf<K extends string>(value: number, kindOf: (v: number) => K | undefined): K | undefined {
  if (value === 0) return undefined;
  return kindOf(value) ?? (`#${value}` as K);
}

export function historyHandlers(history: InteractionHistory): Pick<ServiceImpl<typeof UserService>, "listInteractionHistory" | "getAnalytics"> {
  return {
    async listInteractionHistory(req, ctx: HandlerContext) {
      const page = await history.list(requirePrincipal(ctx).userId, {
        pageSize: req.pageSize,
        pageToken: req.pageToken,
        contentType: filterOf(req.contentType, contentKindOf),
        interactionType: filterOf(req.interactionType, interactionKindOf),
      });
      return { interactions: page.interactions.map(toInteraction), nextPageToken: page.nextPageToken };
    },
    async getAnalytics(_req, ctx: HandlerContext) {
      const a = await history.analytics(requirePrincipal(ctx).userId);
      return {
        totalInteractions: BigInt(a.totalInteractions),
        interactionCounts: a.interactionCounts.map((c) => ({
          interactionType: toInteractionTypeEnum(c.interactionType),
          count: BigInt(c.count),
        })),
        contentTypeStats: a.contentTypeStats.map((s) => ({
          contentType: toContentTypeEnum(s.contentType),
          interactionCount: BigInt(s.interactionCount),
          viewCount: BigInt(s.viewCount),
          clickCount: BigInt(s.clickCount),
          clickThroughRate: s.clickThroughRate,
        })),
        topLikedTags: a.topLikedTags.map((t) => ({ tag: t.tag, count: BigInt(t.count) })),
        activeDays: a.activeDays,
        firstActivityTime: toTimestamp(a.firstActivity),
        lastActivityTime: toTimestamp(a.lastActivity),
      };
    },
  };
}
