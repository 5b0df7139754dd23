import { EntitySchema } from "@mikro-orm/core";
import type { ContentKind } from "../../domain/content/kinds.js";

/** Row of `content_recommendations`: one ranked item of a user's stored list. */
export interface RecommendationRow {
  id: string;
  userId: string;
  contentItemId: string;
  contentType: ContentKind;
  relevanceScore: number;
  rankingPosition: number;
  reasons: string[];
  distanceKm?: number | null;
  /** Geohash cell of the location the list was made for (places and events); empty otherwise. */
  geohash: string;
  generatedAt: Date;
  expiresAt: Date;
}

export const RecommendationEntity = new EntitySchema<RecommendationRow>({
  name: "RecommendationRow",
  tableName: "content_recommendations",
  properties: {
    id: { type: "uuid", primary: true },
    userId: { type: "uuid" },
    contentItemId: { type: "uuid" },
    contentType: { type: "string", length: 16 },
    relevanceScore: { type: "double" },
    rankingPosition: { type: "integer" },
    reasons: { type: "json" },
    distanceKm: { type: "double", nullable: true },
    geohash: { type: "string", length: 12 },
    generatedAt: { type: "datetime" },
    expiresAt: { type: "datetime" },
  },
});
