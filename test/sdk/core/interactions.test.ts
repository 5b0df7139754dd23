import { create } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ContentItemSchema, RecommendationSchema } from "../../../sdk/src/gen/stuckai/content/v1/content_pb.js";
import { Code, createStuckClient, isStuckError, type StuckClientCommonOptions } from "../../../sdk/src/node/index.js";
import { seedItems, seedRecommendations } from "../../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";
import { FakeClock } from "../helpers/fake-clock.js";
import { countCalls, loseResponse } from "../helpers/interceptors.js";

describe("LogInteraction through the SDK", () => {
  let server: TestServer;
  let n = 0;
  const rows = async (userId: string) =>
    (await server.app.orm.em
      .getConnection()
      .execute("select id, content_item_id, recommendation_id, interaction_type, idempotency_key from user_interactions where user_id = ? order by created_at", [
        userId,
      ])) as { id: string; content_item_id: string; recommendation_id: string | null; interaction_type: string; idempotency_key: string | null }[];

  beforeAll(async () => {
    server = await startTestServer("sqlite");
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function signedIn(options: StuckClientCommonOptions & { lose?: number } = {}) {
    const counts = new Map<string, number>();
    const clock = new FakeClock();
    const { lose = 0, ...rest } = options;
    const client = createStuckClient({
      baseUrl: server.baseUrl,
      clock,
      ...rest,
      interceptors: [countCalls(counts), loseResponse("LogInteraction", lose)],
    });
    const reg = await client.auth.register({ email: `li${++n}.${Date.now()}@example.com`, password: "interact-passw0rd", displayName: "I" });
    const [item] = await seedItems(server.app.orm, [{ contentType: "movie" }]);
    return { client, counts, clock, userId: reg.user!.id, item: item! };
  }

  it("retries a LIKE whose response was lost with the same generated key: exactly one row", async () => {
    const t = await signedIn({ lose: 2 });
    const res = await t.client.content.like({ contentItemId: t.item.id });
    expect(t.counts.get("LogInteraction")).toBe(3); // stored by the first, deduplicated by the others
    expect(t.clock.sleeps).toHaveLength(2);
    const stored = await rows(t.userId);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ id: res.interactionId, content_item_id: t.item.id, interaction_type: "like" });
    expect(stored[0]!.idempotency_key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("keeps the caller's own idempotency key, and a new call gets a new key", async () => {
    const t = await signedIn({ lose: 1 });
    const first = await t.client.content.logInteraction({ contentItemId: t.item.id, interactionType: 2, idempotencyKey: "tap-7" });
    const second = await t.client.content.click({ contentItemId: t.item.id });
    expect(second.interactionId).not.toBe(first.interactionId);
    const stored = await rows(t.userId);
    expect(stored.map((r) => r.idempotency_key)).toEqual(["tap-7", expect.not.stringMatching(/^tap-7$/)]);
    expect(t.counts.get("LogInteraction")).toBe(3);
  });

  it("never retries a LogInteraction without an idempotency key (autoIdempotencyKeys: false)", async () => {
    const t = await signedIn({ lose: 1, autoIdempotencyKeys: false });
    const err = await t.client.content.like({ contentItemId: t.item.id }).catch((e) => e);
    expect(isStuckError(err, "UNAVAILABLE")).toBe(true);
    expect(err.code).toBe(Code.Unavailable);
    expect(t.counts.get("LogInteraction")).toBe(1);
    // The server had stored it: retrying blindly would have counted the like twice.
    const stored = await rows(t.userId);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.idempotency_key).toBeNull();
  });

  it("logs each shortcut's interaction type for a recommendation, an item, or ids", async () => {
    const t = await signedIn();
    const items = await seedItems(server.app.orm, Array.from({ length: 7 }, () => ({ contentType: "movie" as const })));
    // Only the first call names a recommendation: any interaction may make the server regenerate the
    // user's list, retiring the stored recommendations.
    const [rec] = await seedRecommendations(server.app.orm, t.userId, [items[0]!]);
    const item = (i: number) => create(ContentItemSchema, { id: items[i]!.id });
    const c = t.client.content;
    await c.view(create(RecommendationSchema, { id: rec!.id }));
    await c.click(item(1));
    await c.like({ contentItemId: items[2]!.id }, { data: { screen: "home" }, device: "web" });
    await c.dislike({ contentItemId: items[3]!.id });
    await c.ignore(item(4));
    await c.save(item(5));
    await c.share(item(6), { idempotencyKey: "share-1" });
    const stored = await rows(t.userId);
    expect(stored.map((r) => [r.interaction_type, r.content_item_id, r.recommendation_id])).toEqual([
      ["view", items[0]!.id, rec!.id],
      ["click", items[1]!.id, null],
      ["like", items[2]!.id, null],
      ["dislike", items[3]!.id, null],
      ["ignore", items[4]!.id, null],
      ["save", items[5]!.id, null],
      ["share", items[6]!.id, null],
    ]);
    expect(stored.at(-1)!.idempotency_key).toBe("share-1");
  });
});
