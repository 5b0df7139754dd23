import { Violations } from "../errors.js";
import { pointViolations } from "../geo/geo-point.js";
import {
  AGE_GROUPS,
  ARCHETYPES,
  LIMITS,
  RELATIONSHIP_STATUSES,
  type GeoPoint,
  type ProfilePatch,
  type TravelRecord,
} from "./profile.js";

/**
 * Validates and normalises a patch; every problem becomes one field violation, named by its path
 * in UpdateProfileRequest (e.g. `profile.interests[2]`). Returns the normalised patch.
 */
export function normalisePatch(patch: ProfilePatch): ProfilePatch {
  const v = new Violations();
  const out: ProfilePatch = { ...patch };
  if ("location" in patch && patch.location) checkPoint(patch.location, "profile.location", v);
  if ("locationName" in patch) out.locationName = name(patch.locationName, "profile.location_name", v);
  for (const key of ["interests", "keywords", "archetypes"] as const) {
    if (key in patch) out[key] = tagList(patch[key] ?? [], `profile.${key}`, v);
  }
  if (out.archetypes) {
    out.archetypes.forEach((a, i) => {
      if (!(ARCHETYPES as readonly string[]).includes(a)) {
        v.add(`profile.archetypes[${i}]`, `unknown archetype "${a}"; allowed: ${ARCHETYPES.join(", ")}`);
      }
    });
  }
  if (patch.ageGroup !== undefined && !(AGE_GROUPS as readonly string[]).includes(patch.ageGroup)) {
    v.add("profile.age_group", "is not a known age group");
  }
  if (patch.relationshipStatus !== undefined && !(RELATIONSHIP_STATUSES as readonly string[]).includes(patch.relationshipStatus)) {
    v.add("profile.relationship_status", "is not a known relationship status");
  }
  if ("travelHistory" in patch) out.travelHistory = travelHistory(patch.travelHistory ?? [], v);
  v.throwIfAny();
  return out;
}

function checkPoint(p: GeoPoint, field: string, v: Violations): void {
  for (const bad of pointViolations(p, field)) v.add(bad.field, bad.description);
}

// Neither database stores NUL in text (SQLite's driver cuts the statement there, Postgres refuses it).
const NUL = "\u0000";
// The range of google.protobuf.Timestamp: a time outside it could be stored but never answered in JSON.
const EARLIEST = Date.parse("0001-01-01T00:00:00Z");
const LATEST = Date.parse("9999-12-31T23:59:59.999Z");

function name(value: string | undefined, field: string, v: Violations): string | undefined {
  const trimmed = value?.trim();
  if (!trimmed) return undefined;
  if (trimmed.length > LIMITS.locationNameLength) v.add(field, `must be at most ${LIMITS.locationNameLength} characters`);
  else if (trimmed.includes(NUL)) v.add(field, "must not contain NUL characters");
  return trimmed;
}

/** Trimmed, lower-cased, de-duplicated (first occurrence wins), each 1–64 characters, at most 50. */
function tagList(values: readonly string[], field: string, v: Violations): string[] {
  const seen = new Set<string>();
  values.forEach((raw, i) => {
    const tag = raw.trim().toLowerCase();
    if (tag.length === 0) v.add(`${field}[${i}]`, "must not be empty");
    else if (tag.length > LIMITS.tagLength) v.add(`${field}[${i}]`, `must be at most ${LIMITS.tagLength} characters`);
    else if (tag.includes(NUL)) v.add(`${field}[${i}]`, "must not contain NUL characters");
    else seen.add(tag);
  });
  if (seen.size > LIMITS.tagsPerList) v.add(field, `must have at most ${LIMITS.tagsPerList} distinct entries, got ${seen.size}`);
  return [...seen];
}

function travelHistory(records: readonly TravelRecord[], v: Violations): TravelRecord[] {
  if (records.length > LIMITS.travelRecords) {
    v.add("profile.travel_history", `must have at most ${LIMITS.travelRecords} records, got ${records.length}`);
    return [];
  }
  return records.map((r, i) => {
    const field = `profile.travel_history[${i}]`;
    const locationName = name(r.locationName, `${field}.location_name`, v);
    if (r.location) checkPoint(r.location, `${field}.location`, v);
    if (!locationName && !r.location) v.add(field, "needs a location_name or a location");
    const visit = r.visitTime?.getTime();
    if (visit !== undefined && !(visit >= EARLIEST && visit <= LATEST)) v.add(`${field}.visit_time`, "must be between 0001-01-01 and 9999-12-31");
    return { locationName, location: r.location, visitTime: r.visitTime };
  });
}
