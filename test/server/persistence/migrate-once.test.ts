import { spawn } from "node:child_process";
import { once } from "node:events";
import pg from "pg";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { migrateOnce } from "../../../server/persistence/migrate-once.js";
import { MIGRATION_LOCK_KEY } from "../../../server/persistence/migration-lock.js";
import { migrations } from "../../../server/persistence/migrations/index.js";
import { createTestDatabase, type TestDatabase } from "../../helpers/databases.js";

const silent = pino({ level: "silent" });
const dbs: TestDatabase[] = [];
afterEach(async () => {
  await Promise.all(dbs.splice(0).map((d) => d.drop()));
});

async function postgres(): Promise<TestDatabase & { query: (sql: string) => Promise<pg.QueryResult> }> {
  const db = await createTestDatabase("postgres");
  dbs.push(db);
  return {
    ...db,
    async query(sql: string) {
      const client = new pg.Client({ connectionString: db.databaseUrl });
      await client.connect();
      try {
        return await client.query(sql);
      } finally {
        await client.end();
      }
    },
  };
}

describe("migrating once before the api starts", () => {
  it("lets several replicas migrate Postgres at the same time: all succeed, each migration runs once", async () => {
    const db = await postgres();
    const opts = { databaseUrl: db.databaseUrl, dataDir: db.dataDir, logger: silent };
    await Promise.all([migrateOnce(opts), migrateOnce(opts), migrateOnce(opts)]);
    const applied = await db.query("select name from mikro_orm_migrations order by id");
    expect(applied.rows.map((r: { name: string }) => r.name)).toEqual(migrations.map((m) => m.name));
  });

  it("waits for the migration lock another replica holds, and migrates after it is released", async () => {
    const db = await postgres();
    const holder = new pg.Client({ connectionString: db.databaseUrl });
    await holder.connect();
    try {
      await holder.query(`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`);
      let settled = false;
      const run = migrateOnce({ databaseUrl: db.databaseUrl, dataDir: db.dataDir, logger: silent }).finally(() => (settled = true));
      await new Promise((r) => setTimeout(r, 1_000));
      expect(settled, "migrateOnce must wait for the lock").toBe(false);
      const before = await db.query("select to_regclass('mikro_orm_migrations') as t");
      expect(before.rows[0].t).toBeNull();

      await holder.query(`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`);
      await run;
      const after = await db.query("select count(*)::int as n from mikro_orm_migrations");
      expect(after.rows[0].n).toBe(migrations.length);
    } finally {
      await holder.end();
    }
  });

  it("runs as `npm run migrate` (server/migrate.ts) with the api's environment and exits 0", async () => {
    const db = await postgres();
    const child = spawn("node_modules/.bin/tsx", ["server/migrate.ts"], {
      env: { PATH: process.env.PATH!, NODE_ENV: "production", JWT_SECRET: "x".repeat(40), DATABASE_URL: db.databaseUrl!, DATA_DIR: db.dataDir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout!.on("data", (c) => (out += c));
    child.stderr!.on("data", (c) => (out += c));
    const [code] = await once(child, "exit");
    expect(code, out).toBe(0);
    const messages = out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l).msg as string);
    expect(messages).toEqual(["migrations applied", "database is up to date"]);
    const applied = await db.query("select count(*)::int as n from mikro_orm_migrations");
    expect(applied.rows[0].n).toBe(migrations.length);
  });
});
