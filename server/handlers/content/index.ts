import type { ServiceImpl } from "@connectrpc/connect";
import { ContentService } from "../../../sdk/src/gen/stuckai/content/v1/content_pb.js";
import type { Catalog } from "../../domain/content/catalog.js";
import { notImplemented } from "../not-implemented.js";
import { catalogHandlers } from "./catalog-handlers.js";
import { interactionHandlers } from "./interaction-handlers.js";
import type { Interactions } from "../../domain/content/interactions.js";

/** ContentService, one file per group of RPCs; the ones not built yet answer `unimplemented`. */
export function contentHandler(deps: { catalog: Catalog; interactions: Interactions }): ServiceImpl<typeof ContentService> {
  return {
    ...notImplemented(ContentService),
    ...catalogHandlers(deps.catalog),
    ...interactionHandlers(deps.interactions),
  };
}
