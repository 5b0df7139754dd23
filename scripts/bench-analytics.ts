/**
 * Times GetAnalytics' aggregation for one heavy user on a fresh Postgres database and prints the
 * plans of the queries the store runs. Run: `npx tsx scripts/bench-analytics.ts`.
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { MikroORM } from "@mikro-orm/core";
import { CONTENT_KINDS, type InteractionKind } from "../server/domain/content/kinds.js";
import { InteractionEntity } from "../server/persistence/entities/interaction.js";
import { UserEntity } from "../server/persistence/entities/user.js";
import { openDatabase } from "../server/persistence/orm.js";
import { OrmInteractionStore } from "../server/persistence/stores/interaction-store.js";
import { createTestDatabase } from "../test/helpers/databases.js";
import { seedInteractions, seedItems } from "../test/helpers/fixtures.js";
import { seededRandom } from "../worker/engine/synthetic-catalog.js";

const INTERACTIONS = 100_000;
const ITEMS = 2_000;
const RUNS = 7;
const TAGS = Array.from({ length: 60 }, (_, i) => `tag-${i}`);
const WEIGHTED_TYPES: InteractionKind[] = [
  ...Array<InteractionKind>(10).fill("view"),
  ...Array<InteractionKind>(4).fill("click"),
  ...Array<InteractionKind>(3).fill("like"),
  "dislike",
  "ignore",
  "save",
  "share",
];


async function seed(orm: MikroORM): Promise<string> {
  const random = seededRandom(42);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const userId = randomUUID();
  const now = new Date();
  await orm.em.fork().insert(UserEntity, {
    id: userId,
    email: "bench@example.com",
    displayName: "Bench",
    passwordHash: "-",
    permissions: [],
    createdAt: now,
    updatedAt: now,
  });
  const items = await seedItems(
    orm,
    Array.from({ length: ITEMS }, () => ({
      contentType: pick(CONTENT_KINDS),
      tags: [...new Set(Array.from({ length: 2 + Math.floor(random() * 4) }, () => pick(TAGS)))],
    })),
  );
  const year = 365 * 86_400_000;
  await seedInteractions(
    orm,
    userId,
    Array.from({ length: INTERACTIONS }, () => ({
      item: pick(items),
      type: pick(WEIGHTED_TYPES),
      at: new Date(now.getTime() - Math.floor(random() * year)),
    })),
  );
  // The steady state: autovacuum has set the visibility map (index-only scans) and the statistics.
  await orm.em.getConnection().execute("vacuum analyze");
  return userId;
}

/** Records the SQL the store sends, so the plans below are of exactly those statements. */
function recordQueries(orm: MikroORM): { sql: string; params: unknown[] }[] {
  const conn = orm.em.getConnection();
  const seen: { sql: string; params: unknown[] }[] = [];
  const execute = conn.execute.bind(conn);
  conn.execute = ((sql: string, params: unknown[] = [], ...rest: unknown[]) => {
    if (typeof sql === "string" && /^select/i.test(sql)) seen.push({ sql, params });
    return (execute as (...args: unknown[]) => Promise<unknown>)(sql, params, ...rest);
  }) as typeof conn.execute;
  return seen;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const db = await createTestDatabase("postgres");
  const orm = await openDatabase({ databaseUrl: db.databaseUrl, dataDir: db.dataDir });
  try {
    let t = performance.now();
    const userId = await seed(orm);
    console.log(`seeded ${INTERACTIONS} interactions over ${ITEMS} items in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    const store = new OrmInteractionStore(orm);
    const result = await store.analytics(userId); // warm-up
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      t = performance.now();
      await store.analytics(userId);
      times.push(performance.now() - t);
    }
    console.log(`analytics: median ${median(times).toFixed(1)} ms over ${RUNS} runs (min ${Math.min(...times).toFixed(1)}, max ${Math.max(...times).toFixed(1)})`);
    console.log(`  ${result.pairs.length} (content, interaction) pairs, ${result.activeDays} active days, top tag ${JSON.stringify(result.topLikedTags[0])}`);

    // A cursor halfway down the history: its page should seek in the index, not skip 50,000 rows.
    const [middle] = await orm.em.fork().find(InteractionEntity, { userId }, { orderBy: { createdAt: "desc", id: "desc" }, offset: 50_000, limit: 1 });
    const queries = recordQueries(orm);
    await store.analytics(userId);
    await store.page(userId, {}, middle, 51);
    for (const q of queries) {
      const plan = (await orm.em.getConnection().execute(`explain (analyze, buffers) ${q.sql}`, q.params)) as { "QUERY PLAN": string }[];
      console.log(`\n${q.sql}\n${plan.map((r) => `  ${r["QUERY PLAN"]}`).join("\n")}`);
    }
  } finally {
    await orm.close();
    await db.drop();
  }
}

await main();
