import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../../../sdk/src/gen/stuckai/auth/v1/auth_pb.js";
import { nameUuid } from "../../../server/domain/ids.js";
import type { RecommendationList } from "../../../server/domain/recommendations/lists.js";
import { UserEntity } from "../../../server/persistence/entities/user.js";
import { toItemRecord } from "../../../server/persistence/stores/catalog-store.js";
import { openDatabase } from "../../../server/persistence/orm.js";
import { OrmRecommendationStore } from "../../../server/persistence/stores/recommendation-store.js";
import { client } from "../../helpers/clients.js";
import { DATABASE_KINDS } from "../../helpers/databases.js";
import { seedInteractions, seedItems } from "../../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";
import type { ContentItemRow } from "../../../server/persistence/entities/content-item.js";

describe.each(DATABASE_KINDS)("OrmRecommendationStore on %s", (kind) => {
  let server: TestServer;
  let store: OrmRecommendationStore;
  let items: ContentItemRow[];
  let n = 0;
  const signUp = async () =>
    (await client(AuthService, "grpc", server.baseUrl).register({ email: `rs${++n}@example.com`, password: "passw0rd-x", displayName: "R" })).user!.id;
  const rowsOf = (userId: string) =>
    server.app.orm.em.getConnection().execute("select id, generated_at from content_recommendations where user_id = ?", [userId]);

  const listOf = (userId: string, picks: ContentItemRow[], at: Date, ttlMs = 3_600_000, geohash = ""): RecommendationList => ({
    userId,
    contentType: "music",
    geohash,
    generatedAt: at,
    expiresAt: new Date(at.getTime() + ttlMs),
    entries: picks.map((item, i) => ({
      id: nameUuid(`${userId}:${at.getTime()}:${geohash}:${i}`),
      item: toItemRecord(item),
      relevanceScore: 1 - i / 10,
      rankingPosition: i + 1,
      reasons: [`reason ${i}`],
      ...(i === 0 ? { distanceKm: 1.5 } : {}),
    })),
  });

  beforeAll(async () => {
    server = await startTestServer(kind);
    store = new OrmRecommendationStore(server.app.orm);
    items = await seedItems(
      server.app.orm,
      Array.from({ length: 8 }, (_, i) => ({
        contentType: "music" as const,
        title: `Album ${i}`,
        tags: ["jazz"],
        // Dates and coordinates on some, so every column's mapping is read back.
        ...(i === 1 ? { startTime: new Date("2026-12-01T20:30:00.125Z"), latitude: 38.7, longitude: -9.1, metadata: { artist: "A", year: 1959 } } : {}),
      })),
    );
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("stores a list and reads it back in rank order with its items, until it expires", async () => {
    const user = await signUp();
    const at = new Date(Date.now() - 1000);
    await store.replace(listOf(user, items.slice(0, 3), at));
    const found = await store.find({ userId: user, contentType: "music", geohash: "" }, new Date());
    expect(found?.entries.map((e) => [e.rankingPosition, e.item.title, e.reasons[0]])).toEqual([
      [1, "Album 0", "reason 0"],
      [2, "Album 1", "reason 1"],
      [3, "Album 2", "reason 2"],
    ]);
    expect(found?.entries[0]!.distanceKm).toBe(1.5);
    expect(found?.entries[1]!.distanceKm).toBeUndefined();
    expect(found?.generatedAt.getTime()).toBe(at.getTime());
    expect(found?.expiresAt.getTime()).toBe(at.getTime() + 3_600_000);
    // The item exactly as the catalog has it: every field, dates and JSON included.
    expect(found?.entries.map((e) => e.item)).toEqual(items.slice(0, 3).map(toItemRecord));
    expect(await store.find({ userId: user, contentType: "music", geohash: "eycs0" }, new Date())).toBeUndefined();
    expect(await store.find({ userId: user, contentType: "music", geohash: "" }, new Date(at.getTime() + 3_600_001))).toBeUndefined();
  });

  it("replaces a list whole: concurrent writers leave exactly one complete set", async () => {
    const user = await signUp();
    const base = Date.now();
    await Promise.all(Array.from({ length: 8 }, (_, k) => store.replace(listOf(user, items.slice(0, 3 + (k % 4)), new Date(base + k)))));
    const rows = (await rowsOf(user)) as { generated_at: unknown }[];
    const sets = new Set(rows.map((r) => String(r.generated_at)));
    expect(sets.size).toBe(1);
    const found = await store.find({ userId: user, contentType: "music", geohash: "" }, new Date(base - 1));
    expect(rows).toHaveLength(found!.entries.length);
  });

  it("answers false instead of failing when the user was deleted meanwhile", async () => {
    const user = await signUp();
    await server.app.orm.em.fork().nativeDelete(UserEntity, { id: user });
    expect(await store.replace(listOf(user, items.slice(0, 2), new Date()))).toBe(false);
  });

  it("refuses a list ranked from a profile older than the stored one, keeping what is stored", async () => {
    const user = await signUp();
    const at = Date.now() - 1000;
    expect(await store.replace(listOf(user, items.slice(0, 2), new Date(at)), new Date(Date.now() + 60_000))).toBe(true);
    // The profile was saved at registration, after this basis: a job that read it earlier is too late.
    expect(await store.replace(listOf(user, items.slice(2, 5), new Date(at + 1)), new Date(0))).toBe(false);
    const found = await store.find({ userId: user, contentType: "music", geohash: "" }, new Date());
    expect(found?.entries.map((e) => e.item.title)).toEqual(["Album 0", "Album 1"]);
  });

  it("answers false when an item was deleted meanwhile, and keeps the previous list whole", async () => {
    const user = await signUp();
    const [doomed] = await seedItems(server.app.orm, [{ contentType: "music", title: "Doomed" }]);
    const at = Date.now() - 1000;
    await store.replace(listOf(user, items.slice(0, 3), new Date(at)));
    await server.app.orm.em.getConnection().execute("delete from content_items where id = ?", [doomed!.id]);
    expect(await store.replace(listOf(user, [items[3]!, doomed!], new Date(at + 1)))).toBe(false);
    const found = await store.find({ userId: user, contentType: "music", geohash: "" }, new Date());
    expect(found?.entries.map((e) => e.item.title)).toEqual(["Album 0", "Album 1", "Album 2"]);
    expect(found?.generatedAt.getTime()).toBe(at);
  });

  it("deletes a user's lists, expired lists, and finds lists about to expire for active users only", async () => {
    const active = await signUp();
    const idle = await signUp();
    const now = Date.now();
    await store.replace(listOf(active, items.slice(0, 2), new Date(now), 10 * 60_000));
    await store.replace(listOf(idle, items.slice(0, 2), new Date(now), 10 * 60_000));
    await seedInteractions(server.app.orm, active, [{ item: items[0]!, type: "click", at: new Date(now - 60_000) }]);
    const soon = await store.expiringForActiveUsers(new Date(now + 20 * 60_000), new Date(now - 3_600_000), 100);
    expect(soon.filter((k) => [active, idle].includes(k.userId))).toEqual([{ userId: active, contentType: "music", geohash: "" }]);

    expect(await store.deleteUser(idle)).toBe(2);
    expect(await rowsOf(idle)).toHaveLength(0);
    await store.replace(listOf(idle, items.slice(0, 4), new Date(now - 7_200_000), 60_000));
    expect(await store.deleteExpired(new Date(now))).toBeGreaterThanOrEqual(4);
    expect(await rowsOf(idle)).toHaveLength(0);
    expect(await rowsOf(active)).toHaveLength(2);
  });
});

// Postgres only: SQLite has no per-transaction commit durability to get wrong.
describe("OrmRecommendationStore on postgres, commit durability", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer("postgres");
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("skips the wait for the disk only in its own transaction: the connection's next writes are durable again", async () => {
    // Two connections (migrating at start takes one for its lock), both asked at once afterwards: one
    // of them is the session the replace used.
    const orm = await openDatabase({ databaseUrl: server.db.databaseUrl, dataDir: server.db.dataDir, poolSize: 2 });
    try {
      const own = new OrmRecommendationStore(orm);
      const userId = (await client(AuthService, "grpc", server.baseUrl).register({ email: "durable@example.com", password: "passw0rd-x", displayName: "D" })).user!.id;
      const [item] = await seedItems(server.app.orm, [{ contentType: "music" }]);
      const at = new Date();
      const entry = { id: nameUuid(`${userId}:durable`), item: toItemRecord(item!), relevanceScore: 1, rankingPosition: 1, reasons: ["r"] };
      const list: RecommendationList = { userId, contentType: "music", geohash: "", generatedAt: at, expiresAt: new Date(at.getTime() + 60_000), entries: [entry] };
      expect(await own.replace(list)).toBe(true);
      const ask = () => orm.em.getConnection().execute("select pg_backend_pid() as pid, current_setting('synchronous_commit') as setting, pg_sleep(0.2)");
      const answers = (await Promise.all([ask(), ask()])).map(([row]) => row as { pid: number; setting: string });
      expect(new Set(answers.map((a) => a.pid)).size).toBe(2);
      expect(answers.map((a) => a.setting)).toEqual(["on", "on"]);
    } finally {
      await orm.close();
    }
  });
});
