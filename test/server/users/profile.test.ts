import { create } from "@bufbuild/protobuf";
import { FieldMaskSchema } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../../../sdk/src/gen/stuckai/auth/v1/auth_pb.js";
import { AgeGroup, RelationshipStatus, UserService, type Profile } from "../../../sdk/src/gen/stuckai/user/v1/user_pb.js";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { ProfileSchema } from "../../../sdk/src/gen/stuckai/user/v1/user_pb.js";
import { client, type TransportName } from "../../helpers/clients.js";
import { DATABASE_KINDS } from "../../helpers/databases.js";
import { expectRpcError } from "../../helpers/errors.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";

const ADMIN = "admin@stuckai.test";

describe.each(DATABASE_KINDS)("UserService profiles on %s", (kind) => {
  let server: TestServer;
  let n = 0;
  const signUp = async (email = `p${++n}@example.com`) => {
    const res = await client(AuthService, "grpc", server.baseUrl).register({ email, password: "passw0rd-x", displayName: "P" });
    return { id: res.user!.id, token: res.tokens!.accessToken };
  };
  const users = (token: string, transport: TransportName = "connect-binary-h2") => client(UserService, transport, server.baseUrl, token);
  const update = (token: string, profile: MessageInitShape<typeof ProfileSchema>, paths?: string[]) =>
    users(token).updateProfile({ profile, updateMask: paths ? create(FieldMaskSchema, { paths }) : undefined });
  const invalid = (call: Promise<unknown>, fields: string[]) =>
    expectRpcError(call, { code: Code.InvalidArgument, reason: "VALIDATION_ERROR", fields });

  beforeAll(async () => {
    server = await startTestServer(kind, { ADMIN_EMAILS: ADMIN });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("exists, empty, from registration on", async () => {
    const u = await signUp();
    const { profile } = await users(u.token, "grpc-web-h1").getProfile({});
    expect(profile).toMatchObject({ userId: u.id, interests: [], archetypes: [], locationName: "", ageGroup: AgeGroup.AGE_GROUP_UNSPECIFIED });
    expect(profile?.location).toBeUndefined();
    expect(profile?.createTime).toBeDefined();
  });

  describe("UpdateProfile (AIP-134)", () => {
    it("changes only the masked paths", async () => {
      const u = await signUp();
      await update(u.token, { interests: ["jazz"], keywords: ["rooftop"], ageGroup: AgeGroup.AGE_GROUP_25_TO_34 });
      const { profile } = await update(u.token, { interests: ["street food"], keywords: ["ignored"], ageGroup: AgeGroup.AGE_GROUP_65_AND_OVER }, ["interests"]);
      expect(profile).toMatchObject({ interests: ["street food"], keywords: ["rooftop"], ageGroup: AgeGroup.AGE_GROUP_25_TO_34 });
      expect((await users(u.token).getProfile({})).profile?.interests).toEqual(["street food"]);
    });

    it("with an empty mask, changes every field that is set and leaves the rest", async () => {
      const u = await signUp();
      await update(u.token, { interests: ["museums"], relationshipStatus: RelationshipStatus.MARRIED });
      const { profile } = await update(u.token, { keywords: ["late night"] });
      expect(profile).toMatchObject({ interests: ["museums"], keywords: ["late night"], relationshipStatus: RelationshipStatus.MARRIED });
    });

    it("clears a masked field sent empty, and replaces everything with *", async () => {
      const u = await signUp();
      await update(u.token, { interests: ["art"], keywords: ["cheap eats"], archetypes: ["foodie"] });
      expect((await update(u.token, {}, ["interests"])).profile).toMatchObject({ interests: [], keywords: ["cheap eats"] });
      expect((await update(u.token, { keywords: ["x"] }, ["*"])).profile).toMatchObject({ interests: [], keywords: ["x"], archetypes: [] });
    });

    it("normalises lists: trimmed, lower-cased, de-duplicated in order", async () => {
      const u = await signUp();
      const { profile } = await update(u.token, { interests: [" Jazz ", "jazz", "Street Food", "JAZZ"], archetypes: ["Night-Owl", "foodie"] });
      expect(profile).toMatchObject({ interests: ["jazz", "street food"], archetypes: ["night-owl", "foodie"] });
    });

    it("names an unknown or output-only mask path", async () => {
      const u = await signUp();
      const err = await invalid(update(u.token, { interests: ["a"] }, ["interests", "favourite_colour"]), ["update_mask"]);
      expect(err.rawMessage).toContain('unknown field path "favourite_colour"');
      const ro = await invalid(update(u.token, {}, ["create_time"]), ["update_mask"]);
      expect(ro.rawMessage).toContain("output only");
    });

    it("reports one field violation per problem, all at once", async () => {
      const u = await signUp();
      await invalid(update(u.token, { location: { latitude: 91, longitude: -181 } }), ["profile.location.latitude", "profile.location.longitude"]);
      await invalid(update(u.token, { location: { latitude: Number.NaN, longitude: 0 } }), ["profile.location.latitude"]);
      await invalid(update(u.token, { interests: ["ok", "x".repeat(65), "  "], keywords: ["k"] }), ["profile.interests[1]", "profile.interests[2]"]);
      await invalid(update(u.token, { keywords: Array.from({ length: 51 }, (_, i) => `k${i}`) }), ["profile.keywords"]);
      // 51 raw entries that de-duplicate to 50 are fine.
      await update(u.token, { keywords: [...Array.from({ length: 50 }, (_, i) => `k${i}`), "K0"] });
      await invalid(update(u.token, { ageGroup: 99 as AgeGroup, relationshipStatus: 42 as RelationshipStatus }), ["profile.age_group", "profile.relationship_status"]);
      await invalid(
        update(u.token, { travelHistory: [{ locationName: "Lisbon" }, {}, { location: { latitude: 0, longitude: 200 } }] }),
        ["profile.travel_history[1]", "profile.travel_history[2].location.longitude"],
      );
      await invalid(update(u.token, { travelHistory: Array.from({ length: 501 }, () => ({ locationName: "Rome" })) }), ["profile.travel_history"]);
      await update(u.token, { travelHistory: Array.from({ length: 500 }, () => ({ locationName: "Rome" })) });
    });

    it("rejects unknown archetypes with the list of allowed ones", async () => {
      const u = await signUp();
      const err = await invalid(update(u.token, { archetypes: ["foodie", "vampire"] }), ["profile.archetypes[1]"]);
      expect(err.rawMessage).toContain('unknown archetype "vampire"; allowed: foodie, adventurer, culture-seeker, night-owl');
      const before = (await users(u.token).getProfile({})).profile!;
      expect(before.archetypes).toEqual([]); // nothing half-written
    });

    it("names the nearest city for a location without a name, and keeps a name the user gave", async () => {
      const u = await signUp();
      const paris = await update(u.token, { location: { latitude: 48.8584, longitude: 2.2945 } });
      expect(paris.profile?.locationName).toBe("Paris, France");
      const mine = await update(u.token, { location: { latitude: 35.6586, longitude: 139.7454 }, locationName: "Our hotel" });
      expect(mine.profile?.locationName).toBe("Our hotel");
      const moved = await update(u.token, { location: { latitude: 35.6586, longitude: 139.7454 } }, ["location"]);
      expect(moved.profile?.locationName).toMatch(/Tokyo|Minato/);
      const cleared = await update(u.token, {}, ["location"]);
      expect(cleared.profile?.location).toBeUndefined();
      expect(cleared.profile?.locationName).toBe("");
    });

    it("round-trips every field", async () => {
      const u = await signUp();
      const visit = { seconds: 1700000000n, nanos: 0 };
      const input: MessageInitShape<typeof ProfileSchema> = {
        location: { latitude: 38.7223, longitude: -9.1393 },
        locationName: "Lisbon",
        interests: ["fado"],
        keywords: ["tiles"],
        archetypes: ["culture-seeker", "budget"],
        ageGroup: AgeGroup.AGE_GROUP_18_TO_24,
        relationshipStatus: RelationshipStatus.IN_RELATIONSHIP,
        travelHistory: [{ locationName: "Porto", location: { latitude: 41.15, longitude: -8.61 }, visitTime: visit }],
      };
      await update(u.token, input);
      const { profile } = await users(u.token, "grpc").getProfile({});
      const { userId, createTime, updateTime, $typeName, ...rest } = profile as Profile;
      expect(rest).toMatchObject({ ...input, travelHistory: [{ locationName: "Porto", location: { latitude: 41.15, longitude: -8.61 }, visitTime: visit }] });
      expect(updateTime!.seconds >= createTime!.seconds).toBe(true);
    });
  });

  describe("access to other users' profiles", () => {
    it("is denied without admin:users, whether or not the user exists", async () => {
      const a = await signUp();
      const b = await signUp();
      const other = await expectRpcError(users(b.token).getProfile({ userId: a.id }), { code: Code.PermissionDenied, reason: "PERMISSION_DENIED" });
      const ghost = await expectRpcError(users(b.token).getProfile({ userId: "00000000-0000-4000-8000-000000000000" }), {
        code: Code.PermissionDenied,
        reason: "PERMISSION_DENIED",
      });
      expect(ghost.rawMessage).toBe(other.rawMessage);
    });

    it("is allowed with admin:users, and an unknown user is then not_found", async () => {
      const a = await signUp();
      await update(a.token, { interests: ["hiking"] });
      const admin = await signUp(ADMIN);
      expect((await users(admin.token).getProfile({ userId: a.id })).profile?.interests).toEqual(["hiking"]);
      await expectRpcError(users(admin.token).getProfile({ userId: "00000000-0000-4000-8000-000000000000" }), { code: Code.NotFound, reason: "NOT_FOUND" });
    });

    it("needs a token at all", async () => {
      await expectRpcError(client(UserService, "connect-json-h1", server.baseUrl).getProfile({}), { code: Code.Unauthenticated, reason: "UNAUTHENTICATED" });
    });
  });
});
