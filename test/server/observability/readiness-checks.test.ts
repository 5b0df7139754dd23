import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { MikroORM } from "@mikro-orm/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrationsCheck } from "../../../server/observability/dependency-checks.js";
import { Readiness, type DependencyCheck } from "../../../server/observability/readiness.js";
import { openDatabase } from "../../../server/persistence/orm.js";
import { migrations } from "../../../server/persistence/migrations/index.js";

describe("Readiness", () => {
  it("reports a check that never answers as down after the timeout, and never runs it twice at once", async () => {
    let runs = 0;
    const hung: DependencyCheck = { name: "database", configured: true, run: () => (runs++, new Promise(() => {})) };
    const fine: DependencyCheck = { name: "redis", configured: true, run: async () => ({ mode: "test" }) };
    const readiness = new Readiness([hung, fine], { timeoutMs: 50, cacheMs: 0 });
    for (let i = 0; i < 3; i++) {
      const report = await readiness.report();
      expect(report).toMatchObject({
        ready: false,
        failing: ["database"],
        dependencies: {
          database: { status: "down", error: "no answer within 50 ms" },
          redis: { status: "ok", mode: "test" },
        },
      });
    }
    expect(runs).toBe(1);
  });

  it("skips dependencies that are not configured, and reports shutdown as failing", async () => {
    const readiness = new Readiness([{ name: "redis", configured: false, run: () => Promise.reject(new Error("never called")) }], {
      timeoutMs: 50,
    });
    expect(await readiness.report()).toEqual({ ready: true, failing: [], dependencies: { redis: { status: "not configured" } } });
    readiness.beginShutdown();
    expect(await readiness.report()).toMatchObject({ ready: false, failing: ["shutdown"] });
    const serving = await readiness.servingStatuses({ "x.v1.S": ["redis"] });
    expect([...serving]).toEqual([
      ["", false],
      ["x.v1.S", false],
    ]);
  });
});

describe("migrationsCheck", () => {
  let dataDir: string;
  let orm: MikroORM;
  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "stuckai-migrations-"));
    orm = await openDatabase({ databaseUrl: undefined, dataDir });
  });
  afterAll(async () => {
    await orm?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("names pending migrations, and sees them applied without a restart", async () => {
    const names = migrations.map((m) => m.name);
    const check = await migrationsCheck(orm, names, { recheckMs: 0 });
    expect(await check.run()).toEqual({ applied: names.length, pending: 0 });

    const last = names.at(-1)!;
    await orm.em.getConnection().execute("delete from mikro_orm_migrations where name = ?", [last]);
    await expect(check.run()).rejects.toThrow(`1 pending: ${last}; apply them with npm run migrate`);

    await orm.em.getConnection().execute("insert into mikro_orm_migrations (name) values (?)", [last]);
    expect(await check.run()).toEqual({ applied: names.length, pending: 0 });
  });
});
