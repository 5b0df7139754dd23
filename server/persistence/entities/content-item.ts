import { EntitySchema } from "@mikro-orm/core";
import type { ContentKind } from "../../domain/content/kinds.js";

/** Row of `content_items`: the catalog of music, movies, events and places. */
export interface ContentItemRow {
  id: string;
  contentType: ContentKind;
  externalId: string;
  title: string;
  description: string;
  tags: string[];
  metadata: Record<string, unknown>;
  latitude?: number | null;
  longitude?: number | null;
  startTime?: Date | null;
  endTime?: Date | null;
  popularity: number;
  createdAt: Date;
  updatedAt: Date;
}

export const ContentItemEntity = new EntitySchema<ContentItemRow>({
  name: "ContentItemRow",
  tableName: "content_items",
  properties: {
    id: { type: "uuid", primary: true },
    contentType: { type: "string", length: 16 },
    externalId: { type: "string", length: 200 },
    title: { type: "string", length: 300 },
    description: { type: "text" },
    tags: { type: "json" },
    metadata: { type: "json" },
    latitude: { type: "double", nullable: true },
    longitude: { type: "double", nullable: true },
    startTime: { type: "datetime", nullable: true },
    endTime: { type: "datetime", nullable: true },
    popularity: { type: "double" },
    createdAt: { type: "datetime" },
    updatedAt: { type: "datetime" },
  },
});
