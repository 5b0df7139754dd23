import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../../../sdk/src/gen/stuckai/auth/v1/auth_pb.js";
import { ContentType } from "../../../sdk/src/gen/stuckai/common/v1/common_pb.js";
import { ContentService, InteractionType } from "../../../sdk/src/gen/stuckai/content/v1/content_pb.js";
import { UserService } from "../../../sdk/src/gen/stuckai/user/v1/user_pb.js";
import { client, type TransportName } from "../../helpers/clients.js";
import { DATABASE_KINDS } from "../../helpers/databases.js";
import { expectRpcError } from "../../helpers/errors.js";
import { seedItems, seedRecommendations } from "../../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";

describe.each(DATABASE_KINDS)("ContentService.LogInteraction on %s", (kind) => {
  let server: TestServer;
  let n = 0;
  const signUp = async () => {
    const res = await client(AuthService, "grpc", server.baseUrl).register({ email: `li${++n}@example.com`, password: "passw0rd-x", displayName: "L" });
    return { id: res.user!.id, token: res.tokens!.accessToken };
  };
  const content = (token: string, t: TransportName = "connect-binary-h2") => client(ContentService, t, server.baseUrl, token);
  const rows = async (userId: string) =>
    server.app.orm.em.getConnection().execute("select * from user_interactions where user_id = ?", [userId]);

  beforeAll(async () => {
    server = await startTestServer(kind);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("stores the interaction before answering, with the item's content type and every field", async () => {
    const u = await signUp();
    const [item] = await seedItems(server.app.orm, [{ contentType: "place", latitude: 38.71, longitude: -9.14 }]);
    const res = await content(u.token, "grpc").logInteraction({
      contentItemId: item!.id,
      interactionType: InteractionType.LIKE,
      data: { screen: "home", position: 3 },
      device: "ios",
      location: { latitude: 38.7, longitude: -9.1 },
    });
    const stored = await rows(u.id);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ id: res.interactionId, content_item_id: item!.id, content_type: "place", interaction_type: "like", device: "ios" });
    const history = await client(UserService, "connect-json-h1", server.baseUrl, u.token).listInteractionHistory({});
    expect(history.interactions[0]).toMatchObject({
      id: res.interactionId,
      contentType: ContentType.PLACE,
      interactionType: InteractionType.LIKE,
      data: { screen: "home", position: 3 },
      location: { latitude: 38.7, longitude: -9.1 },
    });
  });

  it("records one row for retries with the same idempotency key, also when they race", async () => {
    const u = await signUp();
    const [item] = await seedItems(server.app.orm, [{ contentType: "movie" }]);
    const call = () => content(u.token).logInteraction({ contentItemId: item!.id, interactionType: InteractionType.CLICK, idempotencyKey: "tap-42" });
    const first = await call();
    const again = await call();
    const raced = await Promise.all(Array.from({ length: 8 }, () => content(u.token).logInteraction({ contentItemId: item!.id, interactionType: InteractionType.VIEW, idempotencyKey: "tap-43" })));
    expect(again.interactionId).toBe(first.interactionId);
    expect(new Set(raced.map((r) => r.interactionId)).size).toBe(1);
    expect(await rows(u.id)).toHaveLength(2);
    // Keys are per user: another user's identical key is a new interaction.
    const other = await signUp();
    const theirs = await content(other.token).logInteraction({ contentItemId: item!.id, interactionType: InteractionType.CLICK, idempotencyKey: "tap-42" });
    expect(theirs.interactionId).not.toBe(first.interactionId);
  });

  it("resolves the item of the caller's own recommendation, and refuses another user's", async () => {
    const u = await signUp();
    const other = await signUp();
    const [item] = await seedItems(server.app.orm, [{ contentType: "music" }]);
    const [rec] = await seedRecommendations(server.app.orm, u.id, [item!]);
    const res = await content(u.token).logInteraction({ recommendationId: rec!.id, interactionType: InteractionType.SAVE });
    expect((await rows(u.id))[0]).toMatchObject({ id: res.interactionId, content_item_id: item!.id, recommendation_id: rec!.id });
    await expectRpcError(content(other.token).logInteraction({ recommendationId: rec!.id, interactionType: InteractionType.SAVE }), {
      code: Code.NotFound,
      reason: "NOT_FOUND",
    });
    const [another] = await seedItems(server.app.orm, [{ contentType: "music" }]);
    await expectRpcError(content(u.token).logInteraction({ recommendationId: rec!.id, contentItemId: another!.id, interactionType: InteractionType.SAVE }), {
      code: Code.InvalidArgument,
      reason: "VALIDATION_ERROR",
      fields: ["content_item_id"],
    });
  });

  it("answers bad input with field violations and unknown items with not_found, storing nothing", async () => {
    const u = await signUp();
    const [item] = await seedItems(server.app.orm, [{ contentType: "event", latitude: 1, longitude: 1, startTime: new Date() }]);
    await expectRpcError(content(u.token).logInteraction({}), {
      code: Code.InvalidArgument,
      reason: "VALIDATION_ERROR",
      fields: ["content_item_id", "interaction_type"],
    });
    await expectRpcError(
      content(u.token).logInteraction({
        contentItemId: item!.id,
        interactionType: 99 as InteractionType,
        device: "d".repeat(101),
        location: { latitude: 91, longitude: 0 },
        idempotencyKey: "has spaces",
        data: { blob: "x".repeat(17 * 1024) },
      }),
      { code: Code.InvalidArgument, reason: "VALIDATION_ERROR", fields: ["interaction_type", "device", "location.latitude", "idempotency_key", "data"] },
    );
    for (const id of ["00000000-0000-4000-8000-000000000000", "not-a-uuid"]) {
      await expectRpcError(content(u.token).logInteraction({ contentItemId: id, interactionType: InteractionType.VIEW }), { code: Code.NotFound, reason: "NOT_FOUND" });
    }
    expect(await rows(u.id)).toHaveLength(0);
  });
});
