import { pino } from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../../../sdk/src/gen/stuckai/auth/v1/auth_pb.js";
import { loadRecommendationConfig } from "../../../server/config/recommendations.js";
import type { JobRun, JobType } from "../../../server/domain/ports/job-queue.js";
import { jobMetrics } from "../../../server/observability/job-metrics.js";
import { ContentItemEntity } from "../../../server/persistence/entities/content-item.js";
import { RecommendationEntity } from "../../../server/persistence/entities/recommendation.js";
import { OrmModelStore } from "../../../server/persistence/stores/model-store.js";
import { recommendationAdapters } from "../../../server/recommendation-adapters.js";
import { neighboursOf } from "../../../worker/engine/item-similarity.js";
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
  let n = 0;
  const signUp = async () =>
    (await client(AuthService, "grpc", server.baseUrl).register({ email: `jobs${++n}@example.com`, password: "passw0rd-x", displayName: "J" })).user!.id;

  beforeAll(async () => {
    server = await startTestServer(kind);
    const config = { redisUrl: undefined, recommendations: loadRecommendationConfig({}, []) };
    runtime = createJobRuntime({
      orm: server.app.orm,
      adapters: recommendationAdapters(config, undefined, pino({ level: "silent" })),
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
