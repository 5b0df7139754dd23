import type { ServiceImpl } from "@connectrpc/connect";
import { ContentService } from "../../../sdk/src/gen/stuckai/content/v1/content_pb.js";
import type { Catalog } from "../../domain/content/catalog.js";
import { catalogHandlers } from "./catalog-handlers.js";
import { interactionHandlers } from "./interaction-handlers.js";
import type { Interactions } from "../../domain/content/interactions.js";
import type { Recommendations } from "../../domain/recommendations/recommendations.js";
import { recommendationHandlers } from "./recommendation-handlers.js";

/** ContentService, one file per group of RPCs. */
export function contentHandler(deps: { catalog: Catalog; interactions: Interactions; recommendations: Recommendations }): ServiceImpl<typeof ContentService> {
  return {
    ...catalogHandlers(deps.catalog),
    ...interactionHandlers(deps.interactions),
    ...recommendationHandlers(deps.recommendations),
  };
}
