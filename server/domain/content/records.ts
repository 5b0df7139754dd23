import type { ContentKind, InteractionKind } from "./kinds.js";

/** A catalog item as the domain sees it. */
export interface ContentItemRecord {
  readonly id: string;
  readonly contentType: ContentKind;
  readonly externalId: string;
  readonly title: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly latitude?: number | null;
  readonly longitude?: number | null;
  readonly startTime?: Date | null;
  readonly endTime?: Date | null;
  readonly popularity: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** One recorded interaction of a user with an item. */
export interface InteractionRecord {
  readonly id: string;
  readonly userId: string;
  readonly contentItemId: string;
  readonly recommendationId?: string | null;
  readonly contentType: ContentKind;
  readonly interactionType: InteractionKind;
  readonly data?: Readonly<Record<string, unknown>> | null;
  readonly device?: string | null;
  readonly latitude?: number | null;
  readonly longitude?: number | null;
  readonly idempotencyKey?: string | null;
  readonly createdAt: Date;
}

/** One ranked item of a user's stored recommendation list. */
export interface RecommendationRecord {
  readonly id: string;
  readonly userId: string;
  readonly contentItemId: string;
  readonly contentType: ContentKind;
  readonly relevanceScore: number;
  readonly rankingPosition: number;
  readonly reasons: readonly string[];
  readonly distanceKm?: number | null;
  readonly geohash: string;
  readonly generatedAt: Date;
  readonly expiresAt: Date;
}
