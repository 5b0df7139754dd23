import { create } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import {
  AgeGroup,
  ProfileSchema,
  RelationshipStatus,
  type Profile,
  type TravelRecord as TravelRecordMsg,
} from "../../../sdk/src/gen/stuckai/user/v1/user_pb.js";
import type { AgeGroupKind, ProfileRecord, RelationshipKind, TravelRecord } from "../../domain/users/profile.js";
import { toTimestamp } from "../convert.js";

const AGE_GROUPS: Record<AgeGroupKind, AgeGroup> = {
  under_18: AgeGroup.AGE_GROUP_UNDER_18,
  "18_to_24": AgeGroup.AGE_GROUP_18_TO_24,
  "25_to_34": AgeGroup.AGE_GROUP_25_TO_34,
  "35_to_44": AgeGroup.AGE_GROUP_35_TO_44,
  "45_to_54": AgeGroup.AGE_GROUP_45_TO_54,
  "55_to_64": AgeGroup.AGE_GROUP_55_TO_64,
  "65_and_over": AgeGroup.AGE_GROUP_65_AND_OVER,
};
const RELATIONSHIPS: Record<RelationshipKind, RelationshipStatus> = {
  single: RelationshipStatus.SINGLE,
  in_relationship: RelationshipStatus.IN_RELATIONSHIP,
  married: RelationshipStatus.MARRIED,
  prefer_not_to_say: RelationshipStatus.PREFER_NOT_TO_SAY,
};

/** Proto enum → domain value; an unknown number maps to a value the domain rejects with a field violation. */
function fromEnum<K extends string>(table: Record<K, number>, value: number): K | undefined {
  if (value === 0) return undefined;
  const hit = (Object.entries(table) as [K, number][]).find(([, v]) => v === value);
  return hit ? hit[0] : (`#${value}` as K);
}

export const ageGroupOf = (v: AgeGroup) => fromEnum(AGE_GROUPS, v);
export const relationshipOf = (v: RelationshipStatus) => fromEnum(RELATIONSHIPS, v);

export function travelRecordOf(m: TravelRecordMsg): TravelRecord {
  return {
    locationName: m.locationName || undefined,
    location: m.location ? { latitude: m.location.latitude, longitude: m.location.longitude } : undefined,
    visitTime: m.visitTime ? timestampDate(m.visitTime) : undefined,
  };
}

export function toProfile(p: ProfileRecord): Profile {
  return create(ProfileSchema, {
    userId: p.userId,
    location: p.location,
    locationName: p.locationName ?? "",
    interests: [...p.interests],
    keywords: [...p.keywords],
    archetypes: [...p.archetypes],
    ageGroup: p.ageGroup ? AGE_GROUPS[p.ageGroup] : AgeGroup.AGE_GROUP_UNSPECIFIED,
    relationshipStatus: p.relationshipStatus ? RELATIONSHIPS[p.relationshipStatus] : RelationshipStatus.UNSPECIFIED,
    travelHistory: p.travelHistory.map((t) => ({
      locationName: t.locationName ?? "",
      location: t.location,
      visitTime: toTimestamp(t.visitTime),
    })),
    createTime: toTimestamp(p.createdAt),
    updateTime: toTimestamp(p.updatedAt),
  });
}
