import { EntitySchema } from "@mikro-orm/core";
import type { ContentKind, InteractionKind } from "../../domain/content/kinds.js";

/** Row of `user_interactions`: what a user did with an item. `content_type` is copied from the item for filtering and analytics. */
export interface InteractionRow {
  id: string;
  userId: string;
  contentItemId: string;
  recommendationId?: string | null;
  contentType: ContentKind;
  interactionType: InteractionKind;
  data?: Record<string, unknown> | null;
  device?: string | null;
  latitude?: number | null;
  longitude?: number | null;
  idempotencyKey?: string | null;
  createdAt: Date;
}

export const InteractionEntity = new EntitySchema<InteractionRow>({
  name: "InteractionRow",
  tableName: "user_interactions",
  properties: {
    id: { type: "uuid", primary: true },
    userId: { type: "uuid" },
    contentItemId: { type: "uuid" },
    recommendationId: { type: "uuid", nullable: true },
    contentType: { type: "string", length: 16 },
    interactionType: { type: "string", length: 16 },
    data: { type: "json", nullable: true },
    device: { type: "string", length: 100, nullable: true },
    latitude: { type: "double", nullable: true },
    longitude: { type: "double", nullable: true },
    idempotencyKey: { type: "string", length: 128, nullable: true },
    createdAt: { type: "datetime" },
  },
});
