import { EntitySchema } from "@mikro-orm/core";

/** A place the traveller has been, as stored in `user_profiles.travel_history`. */
export interface TravelRecordJson {
  locationName?: string;
  latitude?: number;
  longitude?: number;
  /** ISO 8601. */
  visitTime?: string;
}

/** Row of `user_profiles`: one per user, created with the account. */
export interface UserProfileRow {
  userId: string;
  latitude?: number | null;
  longitude?: number | null;
  locationName?: string | null;
  interests: string[];
  keywords: string[];
  archetypes: string[];
  ageGroup?: string | null;
  relationshipStatus?: string | null;
  travelHistory: TravelRecordJson[];
  createdAt: Date;
  updatedAt: Date;
}

export const UserProfileEntity = new EntitySchema<UserProfileRow>({
  name: "UserProfileRow",
  tableName: "user_profiles",
  properties: {
    userId: { type: "uuid", primary: true },
    latitude: { type: "double", nullable: true },
    longitude: { type: "double", nullable: true },
    locationName: { type: "string", length: 200, nullable: true },
    interests: { type: "json" },
    keywords: { type: "json" },
    archetypes: { type: "json" },
    ageGroup: { type: "string", length: 32, nullable: true },
    relationshipStatus: { type: "string", length: 32, nullable: true },
    travelHistory: { type: "json" },
    createdAt: { type: "datetime" },
    updatedAt: { type: "datetime" },
  },
});

/** The profile every account starts with. */
export function emptyProfile(userId: string, at: Date): UserProfileRow {
  return { userId, interests: [], keywords: [], archetypes: [], travelHistory: [], createdAt: at, updatedAt: at };
}
