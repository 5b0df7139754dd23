import { equals, fromJsonString, toBinary, toJson } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../../../sdk/src/gen/stuckai/auth/v1/auth_pb.js";
import { InteractionType } from "../../../sdk/src/gen/stuckai/content/v1/content_pb.js";
import { ExportUserDataResponseSchema, UserService } from "../../../sdk/src/gen/stuckai/user/v1/user_pb.js";
import { client, type TransportName } from "../../helpers/clients.js";
import { DATABASE_KINDS } from "../../helpers/databases.js";
import { expectRpcError } from "../../helpers/errors.js";
import { seedInteractions, seedItems, seedRecommendations } from "../../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";

const PASSWORD = "correct horse 42";
const EXPORT_TRANSPORTS: TransportName[] = ["grpc", "connect-json-h1", "grpc-web-h1"];
/** Every table holding a user's rows, with the column naming the user. */
const USER_TABLES = {
  users: "id",
  user_profiles: "user_id",
  refresh_tokens: "user_id",
  user_interactions: "user_id",
  content_recommendations: "user_id",
} as const;

describe.each(DATABASE_KINDS)("UserService data rights on %s", (kind) => {
  let server: TestServer;
  let n = 0;
  const auth = () => client(AuthService, "grpc", server.baseUrl);
  const users = (token: string, transport: TransportName = "grpc") => client(UserService, transport, server.baseUrl, token);
  const sql = (query: string, params: unknown[] = []) => server.app.orm.em.getConnection().execute(query, params);

  /**
   * A traveller with a profile, four interactions, two stored recommendations and two sessions: the one
   * registration started (logged out) and a login's (refreshed once, so one session of two tokens).
   */
  async function traveller() {
    const email = `gdpr.${++n}@example.com`;
    const reg = await auth().register({ email, password: PASSWORD, displayName: `Traveller ${n}` });
    const login = await auth().login({ email, password: PASSWORD });
    const refreshed = (await auth().refreshToken({ refreshToken: login.tokens!.refreshToken })).tokens!;
    await auth().logout({ refreshToken: reg.tokens!.refreshToken });
    const id = reg.user!.id;
    const token = refreshed.accessToken;
    await users(token).updateProfile({ profile: { interests: ["jazz", "street food"], locationName: "Lisbon" } });

    const orm = server.app.orm;
    const items = await seedItems(orm, [
      { contentType: "music", title: `Fado for ${email}` },
      { contentType: "place", title: "Miradouro", latitude: 38.71, longitude: -9.13 },
      { contentType: "event", title: "Jazz night", tags: ["jazz"] },
    ]);
    const t0 = Date.now() - 3_600_000;
    const interactions = await seedInteractions(orm, id, [
      { item: items[0], type: "view", at: new Date(t0) },
      { item: items[0], type: "like", at: new Date(t0 + 60_000), data: { rating: 5 } },
      { item: items[1], type: "click", at: new Date(t0 + 120_000) },
      { item: items[2], type: "save", at: new Date(t0 + 30_000) },
    ]);
    const recommendations = await seedRecommendations(orm, id, [items[1], items[2]]);
    const refreshTokens = [reg.tokens!.refreshToken, login.tokens!.refreshToken, refreshed.refreshToken];
    return { id, email, token, refreshTokens, refreshed, items, interactions, recommendations };
  }

  /** Rows per table that reference the user. */
  async function rowsOf(userId: string) {
    const counts: Record<string, number> = {};
    for (const [table, column] of Object.entries(USER_TABLES)) {
      const [row] = await sql(`select count(*) as n from ${table} where ${column} = ?`, [userId]);
      counts[table] = Number(row.n);
    }
    return counts;
  }

  beforeAll(async () => {
    // No background generation: the fixtures' stored lists must stay exactly as seeded.
    server = await startTestServer(kind, { IN_PROCESS_JOBS: "off" });
  });
  afterAll(async () => {
    await server?.stop();
  });

  describe("ExportUserData", () => {
    it.each(EXPORT_TRANSPORTS)("returns everything stored about the caller, and nothing else, over %s", async (transport) => {
      const me = await traveller();
      const other = await traveller();
      const before = Date.now();
      const res = await users(me.token, transport).exportUserData({});

      expect(res.account).toMatchObject({ id: me.id, email: me.email, displayName: `Traveller ${n - 1}` });
      expect(res.account?.permissions).toContain("read:profile");
      expect(res.profile).toMatchObject({ userId: me.id, interests: ["jazz", "street food"], locationName: "Lisbon" });

      const newestFirst = [...me.interactions].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
      expect(res.interactions.map((i) => i.id)).toEqual(newestFirst.map((i) => i.id));
      expect(res.interactions.find((i) => i.interactionType === InteractionType.LIKE)?.data).toEqual({ rating: 5 });

      const byId = <T extends { id: string }>(list: T[]) => [...list].sort((a, b) => a.id.localeCompare(b.id));
      expect(byId(res.recommendations).map((r) => [r.id, r.item?.id, r.item?.title])).toEqual(
        byId(me.recommendations).map((r) => [r.id, r.contentItemId, me.items.find((i) => i.id === r.contentItemId)!.title]),
      );

      const families: { family_id: string }[] = await sql(
        "select family_id from refresh_tokens where user_id = ? group by family_id order by min(created_at)",
        [me.id],
      );
      expect(res.sessions.map((s) => s.id)).toEqual(families.map((f) => f.family_id));
      const [loggedOut, active] = res.sessions;
      expect(loggedOut.revokeTime).toBeDefined();
      expect(active.revokeTime).toBeUndefined();
      // The refreshed session lasts as long as its latest token.
      expect(active.expireTime).toEqual(me.refreshed.refreshTokenExpireTime);

      const exportTime = timestampDate(res.exportTime!).getTime();
      expect(exportTime).toBeGreaterThanOrEqual(before - 1000);
      expect(exportTime).toBeLessThanOrEqual(Date.now() + 1000);

      // The document is the message itself as indented proto3 JSON, and parses back into it.
      const doc = res.jsonDocument;
      const withoutDoc = { ...res, jsonDocument: "" };
      expect(doc).toContain('\n  "account": {\n');
      expect(JSON.parse(doc)).toEqual(toJson(ExportUserDataResponseSchema, withoutDoc));
      expect(equals(ExportUserDataResponseSchema, fromJsonString(ExportUserDataResponseSchema, doc), withoutDoc)).toBe(true);

      // No secret, and nothing of the other user, in the document or anywhere in the binary message.
      const binary = Buffer.from(toBinary(ExportUserDataResponseSchema, res));
      const [{ password_hash }] = await sql("select password_hash from users where id = ?", [me.id]);
      const hashes = (await sql("select token_hash from refresh_tokens where user_id = ?", [me.id])).map((r: { token_hash: string }) => r.token_hash);
      expect(hashes).toHaveLength(3);
      const secrets = [String(password_hash), me.token, ...me.refreshTokens, ...hashes];
      const foreign = [other.id, other.email, ...other.items, ...other.interactions, ...other.recommendations].map((x) =>
        typeof x === "string" ? x : x.id,
      );
      for (const s of [...secrets, ...foreign]) {
        expect(doc).not.toContain(s);
        expect(binary.includes(s)).toBe(false);
      }
      for (const h of hashes) expect(binary.includes(Buffer.from(h, "hex"))).toBe(false);
      expect(doc).not.toMatch(/scrypt|password/i);
    });
  });

  describe("DeleteAccount", () => {
    it("refuses an empty or a wrong password and deletes nothing", async () => {
      const me = await traveller();
      const before = await rowsOf(me.id);
      expect(before).toEqual({ users: 1, user_profiles: 1, refresh_tokens: 3, user_interactions: 4, content_recommendations: 2 });
      await expectRpcError(users(me.token, "grpc-web-h1").deleteAccount({ password: "" }), {
        code: Code.InvalidArgument,
        reason: "VALIDATION_ERROR",
        fields: ["password"],
      });
      await expectRpcError(users(me.token, "connect-json-h1").deleteAccount({ password: "wrong horse 42" }), {
        code: Code.Unauthenticated,
        reason: "INVALID_CREDENTIALS",
      });
      expect(await rowsOf(me.id)).toEqual(before);
      expect((await users(me.token).exportUserData({})).account?.id).toBe(me.id);
    });

    it("erases every row of the user and nothing of anyone else, nor the catalog", async () => {
      const me = await traveller();
      const other = await traveller();
      const otherBefore = await rowsOf(other.id);
      const catalog = () => sql("select * from content_items order by id");
      const catalogBefore = await catalog();

      await users(me.token, "grpc-web-h1").deleteAccount({ password: PASSWORD });

      expect(await rowsOf(me.id)).toEqual({ users: 0, user_profiles: 0, refresh_tokens: 0, user_interactions: 0, content_recommendations: 0 });
      expect(await rowsOf(other.id)).toEqual(otherBefore);
      expect(await catalog()).toEqual(catalogBefore);
    });

    it("leaves nothing that points to the user", async () => {
      const me = await traveller();
      await traveller();
      await users(me.token, "grpc").deleteAccount({ password: PASSWORD });
      // Every column of every row, JSON columns included.
      for (const table of Object.keys(USER_TABLES)) {
        const rows = await sql(`select * from ${table}`);
        expect(rows.length, table).toBeGreaterThan(0);
        const dump = JSON.stringify(rows);
        expect(dump, table).not.toContain(me.id);
        expect(dump, table).not.toContain(me.email);
      }
    });

    it("ends every credential at once: access token, refresh token and password", async () => {
      const me = await traveller();
      const active = me.refreshTokens[2];
      await users(me.token, "connect-json-h1").deleteAccount({ password: PASSWORD });

      for (const transport of EXPORT_TRANSPORTS) {
        await expectRpcError(users(me.token, transport).getProfile({}), { code: Code.Unauthenticated, reason: "TOKEN_REVOKED" });
      }
      await expectRpcError(users(me.token).exportUserData({}), { code: Code.Unauthenticated, reason: "TOKEN_REVOKED" });
      await expectRpcError(auth().refreshToken({ refreshToken: active }), { code: Code.Unauthenticated, reason: "TOKEN_INVALID" });
      await expectRpcError(auth().login({ email: me.email, password: PASSWORD }), {
        code: Code.Unauthenticated,
        reason: "INVALID_CREDENTIALS",
      });
    });
  });
});
