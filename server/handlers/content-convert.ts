import { create } from "@bufbuild/protobuf";
import type { JsonObject } from "@bufbuild/protobuf";
import { ContentType } from "../../sdk/src/gen/stuckai/common/v1/common_pb.js";
import {
  ContentItemSchema,
  InteractionSchema,
  InteractionType,
  RecommendationSchema,
  type ContentItem,
  type Interaction,
  type Recommendation,
} from "../../sdk/src/gen/stuckai/content/v1/content_pb.js";
import type { ContentKind, InteractionKind } from "../domain/content/kinds.js";
import type { ContentItemRecord, InteractionRecord, RecommendationRecord } from "../domain/content/records.js";
import type { ListEntry } from "../domain/recommendations/lists.js";
import { toTimestamp } from "./convert.js";

const CONTENT_TYPES: Record<ContentKind, ContentType> = {
  music: ContentType.MUSIC,
  movie: ContentType.MOVIE,
  event: ContentType.EVENT,
  place: ContentType.PLACE,
};
const INTERACTION_TYPES: Record<InteractionKind, InteractionType> = {
  view: InteractionType.VIEW,
  click: InteractionType.CLICK,
  like: InteractionType.LIKE,
  dislike: InteractionType.DISLIKE,
  ignore: InteractionType.IGNORE,
  save: InteractionType.SAVE,
  share: InteractionType.SHARE,
};
const invert = <K extends string, V extends number>(m: Record<K, V>) =>
  new Map<number, K>(Object.entries(m).map(([k, v]) => [v as number, k as K]));
const CONTENT_KINDS_BY_ENUM = invert(CONTENT_TYPES);
const INTERACTION_KINDS_BY_ENUM = invert(INTERACTION_TYPES);

export const toContentTypeEnum = (kind: ContentKind): ContentType => CONTENT_TYPES[kind];
export const toInteractionTypeEnum = (kind: InteractionKind): InteractionType => INTERACTION_TYPES[kind];
/** undefined for UNSPECIFIED and for numbers outside the enum (proto3 enums are open). */
export const contentKindOf = (value: ContentType): ContentKind | undefined => CONTENT_KINDS_BY_ENUM.get(value);
export const interactionKindOf = (value: InteractionType): InteractionKind | undefined => INTERACTION_KINDS_BY_ENUM.get(value);

const geo = (lat?: number | null, lon?: number | null) =>
  lat == null || lon == null ? undefined : { latitude: lat, longitude: lon };

export function toContentItem(r: ContentItemRecord): ContentItem {
  return create(ContentItemSchema, {
    id: r.id,
    contentType: toContentTypeEnum(r.contentType),
    externalId: r.externalId,
    title: r.title,
    description: r.description,
    tags: [...r.tags],
    metadata: r.metadata as JsonObject,
    location: geo(r.latitude, r.longitude),
    startTime: toTimestamp(r.startTime),
    endTime: toTimestamp(r.endTime),
    popularity: r.popularity,
    createTime: toTimestamp(r.createdAt),
    updateTime: toTimestamp(r.updatedAt),
  });
}

export function toInteraction(r: InteractionRecord): Interaction {
  return create(InteractionSchema, {
    id: r.id,
    contentItemId: r.contentItemId,
    recommendationId: r.recommendationId ?? "",
    contentType: toContentTypeEnum(r.contentType),
    interactionType: toInteractionTypeEnum(r.interactionType),
    data: (r.data ?? undefined) as JsonObject | undefined,
    device: r.device ?? "",
    location: geo(r.latitude, r.longitude),
    createTime: toTimestamp(r.createdAt),
  });
}

export function toRecommendation(r: RecommendationRecord, item: ContentItemRecord | undefined): Recommendation {
  return create(RecommendationSchema, {
    id: r.id,
    item: item ? toContentItem(item) : undefined,
    relevanceScore: r.relevanceScore,
    rankingPosition: r.rankingPosition,
    reasons: [...r.reasons],
    distanceKm: r.distanceKm ?? undefined,
    expireTime: toTimestamp(r.expiresAt),
  });
}

/** One entry of a served list; every entry of a list expires with it. */
export function toListEntry(e: ListEntry, expiresAt: Date): Recommendation {
  return create(RecommendationSchema, {
    id: e.id,
    item: toContentItem(e.item),
    relevanceScore: e.relevanceScore,
    rankingPosition: e.rankingPosition,
    reasons: [...e.reasons],
    distanceKm: e.distanceKm,
    expireTime: toTimestamp(expiresAt),
  });
}
