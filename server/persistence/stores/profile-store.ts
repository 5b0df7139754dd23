import { LockMode, type MikroORM } from "@mikro-orm/core";
import type { ProfileRecord, TravelRecord } from "../../domain/users/profile.js";
import type { ProfileStore } from "../../domain/users/profiles.js";
import { UserProfileEntity, type TravelRecordJson, type UserProfileRow } from "../entities/user-profile.js";

export class OrmProfileStore implements ProfileStore {
  constructor(private readonly orm: MikroORM) {}

  async get(userId: string) {
    const row = await this.orm.em.fork().findOne(UserProfileEntity, { userId });
    return row ? toProfileRecord(row) : undefined;
  }

  async update(userId: string, change: (current: ProfileRecord) => ProfileRecord) {
    const isPostgres = this.orm.config.get("clientUrl")?.startsWith("postgres") ?? false;
    return this.orm.em.fork().transactional(async (em) => {
      // SQLite has one writer at a time already; Postgres needs the row lock.
      const row = await em.findOne(UserProfileEntity, { userId }, isPostgres ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {});
      if (!row) return undefined;
      const next = change(toProfileRecord(row));
      em.assign(row, toRow(next));
      await em.flush();
      return next;
    });
  }
}

export function toProfileRecord(row: UserProfileRow): ProfileRecord {
  return {
    userId: row.userId,
    location: row.latitude != null && row.longitude != null ? { latitude: row.latitude, longitude: row.longitude } : undefined,
    locationName: row.locationName ?? undefined,
    interests: row.interests,
    keywords: row.keywords,
    archetypes: row.archetypes,
    ageGroup: (row.ageGroup ?? undefined) as ProfileRecord["ageGroup"],
    relationshipStatus: (row.relationshipStatus ?? undefined) as ProfileRecord["relationshipStatus"],
    travelHistory: row.travelHistory.map(
      (t): TravelRecord => ({
        locationName: t.locationName,
        location: t.latitude != null && t.longitude != null ? { latitude: t.latitude, longitude: t.longitude } : undefined,
        visitTime: t.visitTime ? new Date(t.visitTime) : undefined,
      }),
    ),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function toRow(p: ProfileRecord): Omit<UserProfileRow, "userId" | "createdAt"> {
  return {
    latitude: p.location?.latitude ?? null,
    longitude: p.location?.longitude ?? null,
    locationName: p.locationName ?? null,
    interests: [...p.interests],
    keywords: [...p.keywords],
    archetypes: [...p.archetypes],
    ageGroup: p.ageGroup ?? null,
    relationshipStatus: p.relationshipStatus ?? null,
    travelHistory: p.travelHistory.map(
      (t): TravelRecordJson => ({
        ...(t.locationName ? { locationName: t.locationName } : {}),
        ...(t.location ? { latitude: t.location.latitude, longitude: t.location.longitude } : {}),
        ...(t.visitTime ? { visitTime: t.visitTime.toISOString() } : {}),
      }),
    ),
    updatedAt: p.updatedAt,
  };
}
