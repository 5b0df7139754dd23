/** The traveller's profile as the domain sees it, and the vocabularies it is checked against. */
export const ARCHETYPES = [
  "foodie",
  "adventurer",
  "culture-seeker",
  "night-owl",
  "nature-lover",
  "family",
  "romantic",
  "budget",
  "luxury",
  "business",
] as const;
export type Archetype = (typeof ARCHETYPES)[number];

export const AGE_GROUPS = ["under_18", "18_to_24", "25_to_34", "35_to_44", "45_to_54", "55_to_64", "65_and_over"] as const;
export type AgeGroupKind = (typeof AGE_GROUPS)[number];

export const RELATIONSHIP_STATUSES = ["single", "in_relationship", "married", "prefer_not_to_say"] as const;
export type RelationshipKind = (typeof RELATIONSHIP_STATUSES)[number];

export interface GeoPoint {
  readonly latitude: number;
  readonly longitude: number;
}

export interface TravelRecord {
  readonly locationName?: string;
  readonly location?: GeoPoint;
  readonly visitTime?: Date;
}

export interface ProfileRecord {
  readonly userId: string;
  readonly location?: GeoPoint;
  readonly locationName?: string;
  readonly interests: readonly string[];
  readonly keywords: readonly string[];
  readonly archetypes: readonly string[];
  readonly ageGroup?: AgeGroupKind;
  readonly relationshipStatus?: RelationshipKind;
  readonly travelHistory: readonly TravelRecord[];
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** The updatable fields. In a patch, a present key means "set to this" (undefined clears it). */
export type ProfileFields = Omit<ProfileRecord, "userId" | "createdAt" | "updatedAt">;
export type ProfilePatch = { -readonly [K in keyof ProfileFields]?: ProfileFields[K] | undefined };
export const PROFILE_FIELDS = [
  "location",
  "locationName",
  "interests",
  "keywords",
  "archetypes",
  "ageGroup",
  "relationshipStatus",
  "travelHistory",
] as const satisfies readonly (keyof ProfileFields)[];

export const LIMITS = {
  tagsPerList: 50,
  tagLength: 64,
  travelRecords: 500,
  locationNameLength: 200,
} as const;
