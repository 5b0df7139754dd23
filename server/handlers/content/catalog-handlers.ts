import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type { ContentItem, ContentService } from "../../../sdk/src/gen/stuckai/content/v1/content_pb.js";
import type { Catalog, CatalogItemInput } from "../../domain/content/catalog.js";
import { contentKindOf, toContentItem } from "../content-convert.js";

/** ImportContentItems and GetContentItem: proto ⇄ the Catalog domain. */
export function catalogHandlers(catalog: Catalog): Pick<ServiceImpl<typeof ContentService>, "importContentItems" | "getContentItem"> {
  return {
    async importContentItems(req) {
      const result = await catalog.import(req.items.map(itemInputOf));
      return {
        insertedCount: result.inserted,
        updatedCount: result.updated,
        rejectedCount: result.rejected.length,
        rejectedItems: result.rejected.map((r) => ({ index: r.index, externalId: r.externalId, reason: r.reason })),
      };
    },
    async getContentItem(req) {
      return { item: toContentItem(await catalog.get(req.id)) };
    },
  };
}

/** Output-only fields (id, popularity, create and update time) are ignored, as the contract says. */
function itemInputOf(m: ContentItem): CatalogItemInput {
  return {
    // UNSPECIFIED reads as missing; an unknown number is passed on for the domain to name.
    contentType: m.contentType === 0 ? undefined : (contentKindOf(m.contentType) ?? `#${m.contentType}`),
    externalId: m.externalId,
    title: m.title,
    description: m.description,
    tags: m.tags,
    metadata: m.metadata,
    location: m.location ? { latitude: m.location.latitude, longitude: m.location.longitude } : undefined,
    startTime: m.startTime ? timestampDate(m.startTime) : undefined,
    endTime: m.endTime ? timestampDate(m.endTime) : undefined,
  };
}
