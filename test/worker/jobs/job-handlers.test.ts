import { pino } from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../../../sdk/src/gen/stuckai/auth/v1/auth_pb.js";
import { loadRecommendationConfig } from "../../../server/config/recommendations.js";
import { CONTENT_KINDS } from "../../../server/domain/content/kinds.js";
import { jsonListCodec } from "../../../server/domain/recommendations/json-list-codec.js";
import { toCacheKey } from "../../../server/domain/recommendations/recommendations.js";
import type { JobRun, JobType } from "../../../server/domain/ports/job-queue.js";
import { jobMetrics } from "../../../server/observability/job-metrics.js";
import { ContentItemEntity } from "../../../server/persistence/entities/content-item.js";
import { RecommendationEntity } from "../../../server/persistence/entities/recommendation.js";
import { OrmModelStore } from "../../../server/persistence/stores/model-store.js";
import { recommendationAdapters, type RecommendationAdapters } from "../../../server/recommendation-adapters.js";
import { neighboursOf } from "../../../worker/engine/item-similarity.js";
import { MF_MODEL, decodeMfModel } from "../../../worker/engine/mf/codec.js";
import { foldInUser } from "../../../worker/engine/mf/fold-in.js";
import { mfScore } from "../../../worker/engine/mf/model.js";
import { TASTE_REASON } from "../../../worker/engine/reasons.js";
import { SIMILARITY_MODEL, decodeSimilarity } from "../../../worker/generation/similarity-codec.js";
import { createJobRuntime, type JobRuntime } from "../../../worker/runtime.js";
import { client } from "../../helpers/clients.js";
import { DATABASE_KINDS } from "../../helpers/databases.js";
import { seedInteractions, seedItems, seedRecommendations } from "../../helpers/fixtures.js";
import { startTestServer, type TestServer } from "../../helpers/server.js";

function run<T extends JobType>(runtime: JobRuntime, type: T, payload: JobRun<T>["payload"]): Promise<void> {
  return runtime.handlers[type]({ id: "test", type, payload, attempt: 1, maxAttempts: 1, signal: new AbortController().signal });
}

describe.each(DATABASE_KINDS)("job handlers on %s", (kind) => {
  let server: TestServer;
  let runtime: JobRuntime;
  let adapters: RecommendationAdapters;
  let n = 0;
  const signUp = async () =>
    (await client(AuthService, "grpc", server.baseUrl).register({ email: `jobs${++n}@example.com`, password: "passw0rd-x", displayName: "J" })).user!.id;

  beforeAll(async () => {
    server = await startTestServer(kind);
    const config = { redisUrl: undefined, recommendations: loadRecommendationConfig({}, []) };
    adapters = recommendationAdapters(config, undefined, pino({ level: "silent" }));
    runtime = createJobRuntime({
      orm: server.app.orm,
      adapters,
      config: config.recommendations,
      logger: pino({ level: "silent" }),
      metrics: jobMetrics(new Registry()),
    });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("interaction-analytics turns recent interactions into item popularity, and marks the items changed", async () => {
    const user = await signUp();
    const [hit, ignored] = await seedItems(server.app.orm, [{ contentType: "music" }, { contentType: "music" }]);
    const recent = new Date(Date.now() - 60_000);
    await seedInteractions(server.app.orm, user, [
      { item: hit!, type: "like", at: recent },
      { item: hit!, type: "click", at: recent },
      { item: hit!, type: "view", at: recent },
      { item: ignored!, type: "view", at: recent },
    ]);
    await run(runtime, "interaction-analytics", { userId: user });
    const rows = await server.app.orm.em.fork().find(ContentItemEntity, { id: { $in: [hit!.id, ignored!.id] } });
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(hit!.id)!.popularity).toBeGreaterThan(0);
    expect(byId.get(ignored!.id)!.popularity).toBe(0);
    expect(byId.get(hit!.id)!.updatedAt.getTime()).toBeGreaterThan(hit!.updatedAt.getTime());
  });

  it("rebuild-similarity trains on everyone's interactions and stores a model every worker can load", async () => {
    const items = await seedItems(server.app.orm, Array.from({ length: 6 }, () => ({ contentType: "movie" as const })));
    const at = new Date(Date.now() - 3_600_000);
    // Three people like items 0 and 1 together; item 5 is liked alone.
    for (let p = 0; p < 3; p++) {
      const user = await signUp();
      await seedInteractions(server.app.orm, user, [
        { item: items[0]!, type: "like", at },
        { item: items[1]!, type: "like", at },
      ]);
    }
    await seedInteractions(server.app.orm, await signUp(), [{ item: items[5]!, type: "like", at }]);
    await run(runtime, "rebuild-similarity", {});
    const stored = await new OrmModelStore(server.app.orm).load(SIMILARITY_MODEL);
    const model = decodeSimilarity(stored!.data);
    expect(neighboursOf(model, items[0]!.id)[0]?.itemId).toBe(items[1]!.id);
    expect(neighboursOf(model, items[5]!.id)).toEqual([]);
  });

  it("train-mf learns taste groups from everyone's interactions, stores the model, and generation folds a new user in", async () => {
    const items = await seedItems(server.app.orm, Array.from({ length: 8 }, () => ({ contentType: "movie" as const })));
    const at = new Date(Date.now() - 3_600_000);
    // Two taste groups of four people: items 0–3 and items 4–7.
    for (let p = 0; p < 8; p++) {
      const group = p < 4 ? items.slice(0, 4) : items.slice(4, 8);
      await seedInteractions(server.app.orm, await signUp(), group.map((item) => ({ item, type: "like" as const, at })));
    }
    const models = new OrmModelStore(server.app.orm);
    await run(runtime, "train-mf", {});
    const stored = await models.load(MF_MODEL);
    const model = decodeMfModel(stored!.data);
    expect(model.trainedUsers).toBeGreaterThanOrEqual(8);
    const vector = foldInUser(model, [{ itemId: items[0]!.id, weight: 0.8 }, { itemId: items[1]!.id, weight: 0.8 }]);
    const score = (k: number) => mfScore(model, vector, items[k]!.id)!;
    expect(Math.min(score(2), score(3))).toBeGreaterThan(Math.max(score(4), score(5), score(6), score(7)));

    // A worker's scheduled run right after another's is skipped: the stored model stays.
    await run(runtime, "train-mf", { ifOlderThanMs: 3_600_000 });
    expect((await models.trainedAt(MF_MODEL))!.getTime()).toBe(stored!.trainedAt.getTime());

    // Someone who joined after training liked items 0 and 1: the model was never trained on them,
    // and still puts the rest of their group first, saying why.
    const newcomer = await signUp();
    await seedInteractions(server.app.orm, newcomer, [items[0]!, items[1]!].map((item) => ({ item, type: "like" as const, at: new Date() })));
    const list = await runtime.generator.generate({ userId: newcomer, contentType: "movie" });
    const top = list!.entries.slice(0, 2);
    expect(top.map((e) => e.item.id).sort()).toEqual([items[2]!.id, items[3]!.id].sort());
    for (const entry of top) expect(entry.reasons).toContain(TASTE_REASON);

    // Their taste moves to the other group: the next list is folded in from the new history.
    await seedInteractions(server.app.orm, newcomer, [items[4]!, items[5]!, items[6]!].map((item) => ({ item, type: "save" as const, at: new Date() })));
    const moved = await runtime.generator.generate({ userId: newcomer, contentType: "movie" });
    expect(moved!.entries[0]!.item.id).toBe(items[7]!.id);
  }, 60_000);

  it("refresh-user makes all four of the user's lists, each stored and cached", async () => {
    const user = await signUp();
    const items = await seedItems(server.app.orm, [{ contentType: "music", tags: ["jazz"] }, { contentType: "movie", tags: ["drama"] }]);
    await seedInteractions(server.app.orm, user, [{ item: items[0]!, type: "like", at: new Date(Date.now() - 60_000) }]);
    await run(runtime, "refresh-user", { userId: user });
    for (const contentType of CONTENT_KINDS) {
      const cached = (await adapters.cache.get(toCacheKey({ userId: user, contentType, geohash: "" }))).entry;
      expect(cached, contentType).toBeDefined();
      expect(jsonListCodec.decode(cached!.value!).contentType).toBe(contentType);
    }
    const stored = await server.app.orm.em.fork().find(RecommendationEntity, { userId: user }, { fields: ["contentType"] });
    expect(stored.map((r) => r.contentType)).toEqual(expect.arrayContaining(["music", "movie"]));
  });

  it("a list made from a shared read sees an interaction logged after that read", async () => {
    const [kept, disliked] = await seedItems(server.app.orm, [
      { contentType: "music", title: "Kept", tags: ["jazz"] },
      { contentType: "music", title: "Disliked", tags: ["jazz"] },
    ]);
    const user = await signUp();
    await seedInteractions(server.app.orm, user, [{ item: kept!, type: "like", at: new Date(Date.now() - 60_000) }]);
    // refresh-user reads once for four lists; the user dislikes an item before the third is made,
    // as LogInteraction does it: the row first, then the cache version.
    const read = await runtime.generator.readUser(user);
    await seedInteractions(server.app.orm, user, [{ item: disliked!, type: "dislike", at: new Date() }]);
    await adapters.cache.markStale(user);
    const list = await runtime.generator.generate({ userId: user, contentType: "music" }, read);
    expect(list!.entries.map((e) => e.item.id)).not.toContain(disliked!.id);
  });

  it("cleanup-expired deletes expired lists and keeps live ones", async () => {
    const user = await signUp();
    const items = await seedItems(server.app.orm, [{ contentType: "music" }, { contentType: "music" }]);
    await seedRecommendations(server.app.orm, user, [items[0]!], new Date(Date.now() - 1000));
    await seedRecommendations(server.app.orm, user, [items[1]!], new Date(Date.now() + 3_600_000));
    await run(runtime, "cleanup-expired", {});
    const left = await server.app.orm.em.fork().find(RecommendationEntity, { userId: user });
    expect(left.map((r) => r.contentItemId)).toEqual([items[1]!.id]);
  });
});
