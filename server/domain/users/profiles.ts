import type { Principal } from "../auth/access-tokens.js";
import { Permission } from "../auth/permissions.js";
import { DomainError } from "../errors.js";
import { UUID } from "../ids.js";
import type { ReverseGeocoder } from "../geo/reverse-geocoder.js";
import type { UserLifecycleHooks } from "./hooks.js";
import type { ProfilePatch, ProfileRecord } from "./profile.js";
import { normalisePatch } from "./profile-validation.js";

/** The profile store port; `update` runs read-modify-write atomically (no lost updates). */
export interface ProfileStore {
  get(userId: string): Promise<ProfileRecord | undefined>;
  update(userId: string, change: (current: ProfileRecord) => ProfileRecord): Promise<ProfileRecord | undefined>;
}

/** Reading and partially updating profiles. */
export class Profiles {
  constructor(
    private readonly deps: {
      store: ProfileStore;
      geocoder: ReverseGeocoder;
      hooks: UserLifecycleHooks;
      now?: () => Date;
    },
  ) {}

  /** The caller's profile, or another user's with `admin:users`; without it, denied whether or not that user exists. */
  async get(caller: Principal, userId?: string): Promise<ProfileRecord> {
    const target = userId || caller.userId;
    if (target !== caller.userId && !caller.permissions.has(Permission.AdminUsers)) {
      throw new DomainError("permission_denied", "PERMISSION_DENIED", `reading another user's profile needs ${Permission.AdminUsers}`);
    }
    // Ids are UUIDs: anything else names no one, and is answered without a query.
    const profile = UUID.test(target) ? await this.deps.store.get(target.toLowerCase()) : undefined;
    if (!profile) {
      if (target === caller.userId) {
        throw new DomainError("unauthenticated", "TOKEN_REVOKED", "the token's account no longer exists");
      }
      throw new DomainError("not_found", "NOT_FOUND", `no user with id "${target}"`, { metadata: { field: "user_id" } });
    }
    return profile;
  }

  /** Applies a patch (only its keys change), naming the nearest city when a location comes without a name. */
  async update(caller: Principal, patch: ProfilePatch): Promise<ProfileRecord> {
    const clean = normalisePatch(patch);
    if ("location" in clean && !("locationName" in clean && clean.locationName)) {
      const place = clean.location && this.deps.geocoder.nearest(clean.location.latitude, clean.location.longitude);
      clean.locationName = place ? place.name : undefined;
    }
    const now = (this.deps.now ?? (() => new Date()))();
    const updated = await this.deps.store.update(caller.userId, (current) => ({ ...current, ...clean, updatedAt: now }));
    if (!updated) throw new DomainError("unauthenticated", "TOKEN_REVOKED", "the token's account no longer exists");
    await this.deps.hooks.profileChanged(caller.userId);
    return updated;
  }
}
