import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../../../sdk/src/gen/stuckai/auth/v1/auth_pb.js";
import type { ContentItemRecord } from "../../../server/domain/content/records.js";
import { toItemRecord } from "../../../server/persistence/stores/catalog-store.js";
import { OrmGenerationStore } from "../../../server/persistence/stores/generation-store.js";
import { client } from "../../helpers/clients.js";
import { DATABASE_KINDS } from "../../helpers/databases.js";
import { seedInteractions, seedItems } from "../../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";

describe.each(DATABASE_KINDS)("OrmGenerationStore on %s", (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("reads a user's latest interactions newest first, and only the items the caller does not hold", async () => {
    const userId = (await client(AuthService, "grpc", server.baseUrl).register({ email: "history@example.com", password: "passw0rd-x", displayName: "H" })).user!
      .id;
    const [held, stored] = await seedItems(server.app.orm, [
      { contentType: "music", title: "Held" },
      { contentType: "movie", title: "Stored" },
    ]);
    const now = Date.now();
    await seedInteractions(server.app.orm, userId, [
      { item: held!, type: "like", at: new Date(now - 3_000) },
      { item: stored!, type: "click", at: new Date(now - 2_000) },
      { item: held!, type: "save", at: new Date(now - 1_000) },
    ]);
    const store = new OrmGenerationStore(server.app.orm);
    const inMemory: ContentItemRecord = { ...toItemRecord(held!), title: "Held, as the index has it" };
    const asked: string[] = [];
    const history = await store.history(userId, 10, (id) => (asked.push(id), id === held!.id ? inMemory : undefined));

    expect(history.interactions.map((i) => i.interactionType)).toEqual(["save", "click", "like"]);
    expect(asked.sort()).toEqual([held!.id, stored!.id].sort());
    const byId = new Map(history.items.map((i) => [i.id, i]));
    expect(byId.get(held!.id)).toBe(inMemory);
    expect(byId.get(stored!.id)).toEqual(toItemRecord(stored!));
    expect(history.items).toHaveLength(2);

    // Without a holder every item is read; the limit keeps the newest.
    const latest = await store.history(userId, 2);
    expect(latest.interactions.map((i) => i.interactionType)).toEqual(["save", "click"]);
    expect(latest.items.map((i) => i.title).sort()).toEqual(["Held", "Stored"]);
  });
});
