import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { Profile, UserService } from "../../../sdk/src/gen/stuckai/user/v1/user_pb.js";
import { validationError } from "../../domain/errors.js";
import type { ProfilePatch } from "../../domain/users/profile.js";
import type { Profiles } from "../../domain/users/profiles.js";
import { requirePrincipal } from "../principal.js";
import { ageGroupOf, relationshipOf, toProfile, travelRecordOf } from "./profile-convert.js";

/** update_mask path → how to read that field of the request's Profile into the patch. */
const UPDATABLE: Record<string, (p: Profile, patch: ProfilePatch) => void> = {
  location: (p, patch) => (patch.location = p.location ? { latitude: p.location.latitude, longitude: p.location.longitude } : undefined),
  location_name: (p, patch) => (patch.locationName = p.locationName || undefined),
  interests: (p, patch) => (patch.interests = p.interests),
  keywords: (p, patch) => (patch.keywords = p.keywords),
  archetypes: (p, patch) => (patch.archetypes = p.archetypes),
  age_group: (p, patch) => (patch.ageGroup = ageGroupOf(p.ageGroup)),
  relationship_status: (p, patch) => (patch.relationshipStatus = relationshipOf(p.relationshipStatus)),
  travel_history: (p, patch) => (patch.travelHistory = p.travelHistory.map(travelRecordOf)),
};
const OUTPUT_ONLY = new Set(["user_id", "create_time", "update_time"]);

/** Which fields count as "set" when the mask is empty (AIP-134): non-default values. */
const IS_SET: Record<string, (p: Profile) => boolean> = {
  location: (p) => p.location !== undefined,
  location_name: (p) => p.locationName !== "",
  interests: (p) => p.interests.length > 0,
  keywords: (p) => p.keywords.length > 0,
  archetypes: (p) => p.archetypes.length > 0,
  age_group: (p) => p.ageGroup !== 0,
  relationship_status: (p) => p.relationshipStatus !== 0,
  travel_history: (p) => p.travelHistory.length > 0,
};

/** AIP-134: only masked paths change; an empty mask means every set field; `*` replaces every updatable field. */
export function patchFromMask(profile: Profile | undefined, paths: readonly string[]): ProfilePatch {
  const p = profile ?? ({ interests: [], keywords: [], archetypes: [], travelHistory: [] } as unknown as Profile);
  const bad = paths.flatMap((path) => {
    if (path === "*" || path in UPDATABLE) return [];
    const description = OUTPUT_ONLY.has(path)
      ? `"${path}" is output only and cannot be updated`
      : `unknown field path "${path}"; updatable paths: ${Object.keys(UPDATABLE).join(", ")}`;
    return [{ field: "update_mask", description }];
  });
  if (bad.length > 0) throw validationError(bad);
  const chosen = paths.includes("*")
    ? Object.keys(UPDATABLE)
    : paths.length > 0
      ? paths
      : Object.keys(IS_SET).filter((k) => IS_SET[k]!(p));
  const patch: ProfilePatch = {};
  for (const path of new Set(chosen)) UPDATABLE[path]!(p, patch);
  return patch;
}

export function profileHandlers(profiles: Profiles): Pick<ServiceImpl<typeof UserService>, "getProfile" | "updateProfile"> {
  return {
    async getProfile(req, ctx: HandlerContext) {
      return { profile: toProfile(await profiles.get(requirePrincipal(ctx), req.userId)) };
    },
    async updateProfile(req, ctx: HandlerContext) {
      const patch = patchFromMask(req.profile, req.updateMask?.paths ?? []);
      return { profile: toProfile(await profiles.update(requirePrincipal(ctx), patch)) };
    },
  };
}
