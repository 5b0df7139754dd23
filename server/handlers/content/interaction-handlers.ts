import type { JsonObject } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { ContentService } from "../../../sdk/src/gen/stuckai/content/v1/content_pb.js";
import type { Interactions } from "../../domain/content/interactions.js";
import { interactionKindOf } from "../content-convert.js";
import { requirePrincipal } from "../principal.js";

export function interactionHandlers(interactions: Interactions): Pick<ServiceImpl<typeof ContentService>, "logInteraction"> {
  return {
    async logInteraction(req, ctx: HandlerContext) {
      const { id } = await interactions.log(requirePrincipal(ctx).userId, {
        recommendationId: req.recommendationId,
        contentItemId: req.contentItemId,
        // An unknown enum number stays a string the domain rejects with a field violation.
        interactionType: req.interactionType === 0 ? undefined : (interactionKindOf(req.interactionType) ?? `#${req.interactionType}`),
        data: req.data as JsonObject | undefined,
        device: req.device,
        location: req.location,
        idempotencyKey: req.idempotencyKey,
      });
      return { interactionId: id };
    },
  };
}
