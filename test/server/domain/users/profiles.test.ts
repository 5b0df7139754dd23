import { describe, expect, it } from "vitest";
import type { Principal } from "../../../../server/domain/auth/access-tokens.js";
import { DomainError } from "../../../../server/domain/errors.js";
import type { ProfileRecord } from "../../../../server/domain/users/profile.js";
import { Profiles, type ProfileStore } from "../../../../server/domain/users/profiles.js";

const caller: Principal = { userId: "u1", username: "u1@x.io", permissions: new Set(["read:profile"]), tokenId: "t" };
const empty: ProfileRecord = {
  userId: "u1",
  interests: ["old"],
  keywords: [],
  archetypes: [],
  travelHistory: [],
  createdAt: new Date(0),
  updatedAt: new Date(0),
};

function setup() {
  let stored = empty;
  const changed: string[] = [];
  const store: ProfileStore = {
    get: async () => stored,
    update: async (_id, change) => (stored = change(stored)),
  };
  const profiles = new Profiles({
    store,
    geocoder: { nearest: () => ({ name: "Lisbon, Portugal", city: "Lisbon", country: "Portugal", countryCode: "PT", distanceKm: 1, latitude: 0, longitude: 0 }) },
    hooks: { profileChanged: async (id) => void changed.push(id), accountDeleted: async () => {} },
    now: () => new Date(1000),
  });
  return { profiles, changed, stored: () => stored };
}

describe("Profiles", () => {
  it("signals the change hook once per successful update, with the user", async () => {
    const s = setup();
    const updated = await s.profiles.update(caller, { keywords: ["k"], location: { latitude: 38.7, longitude: -9.1 } });
    expect(updated).toMatchObject({ interests: ["old"], keywords: ["k"], locationName: "Lisbon, Portugal", updatedAt: new Date(1000) });
    expect(s.changed).toEqual(["u1"]);
  });

  it("neither stores nor signals an invalid patch", async () => {
    const s = setup();
    await expect(s.profiles.update(caller, { archetypes: ["werewolf"] })).rejects.toBeInstanceOf(DomainError);
    expect(s.changed).toEqual([]);
    expect(s.stored()).toBe(empty);
  });
});
