import { readFileSync } from "node:fs";
import { Writable } from "node:stream";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { AuthService } from "../../../sdk/src/gen/stuckai/auth/v1/auth_pb.js";
import { ContentType } from "../../../sdk/src/gen/stuckai/common/v1/common_pb.js";
import { ContentService } from "../../../sdk/src/gen/stuckai/content/v1/content_pb.js";
import { startApp, type App } from "../../../server/app.js";
import { loadConfig } from "../../../server/config/config.js";
import { ContentItemEntity } from "../../../server/persistence/entities/content-item.js";
import { client } from "../../helpers/clients.js";
import { configProblems } from "../../helpers/config.js";
import { createTestDatabase, type DatabaseKind, type TestDatabase } from "../../helpers/databases.js";
import { testEnv } from "../../helpers/server.js";

const HOUR = 3_600_000;
const STARTER_LINES = ["places", "events", "movies", "music"]
  .map((f) => readFileSync(new URL(`../../../catalog/starter/${f}.jsonl`, import.meta.url), "utf8"))
  .flatMap((text) => text.split("\n").filter((l) => l.trim() !== ""))
  .map((l) => JSON.parse(l) as { content_type: string; external_id: string; starts_in_hours?: number; duration_hours?: number });

/** A real app on its own database, with its log lines collected. */
async function start(db: TestDatabase, starterCatalog?: string): Promise<{ app: App; logs: Record<string, unknown>[] }> {
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split("\n").filter(Boolean)) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  // Unset STARTER_CATALOG means the product default, `auto`.
  const config = loadConfig(testEnv(db, { STARTER_CATALOG: starterCatalog ?? "auto" }));
  return { app: await startApp(config, pino({ level: "debug" }, sink)), logs };
}

const databases: TestDatabase[] = [];
async function fresh(kind: DatabaseKind): Promise<TestDatabase> {
  const db = await createTestDatabase(kind);
  databases.push(db);
  return db;
}
afterAll(async () => {
  for (const db of databases) await db.drop();
});

const count = (app: App) => app.orm.em.fork().count(ContentItemEntity, {});

describe("the starter catalog", () => {
  it("fills a fresh embedded app before it listens, with event times counted from the start", async () => {
    const db = await fresh("sqlite");
    const before = Date.now();
    const { app, logs } = await start(db);
    const after = Date.now();
    try {
      expect(await count(app)).toBe(STARTER_LINES.length);
      expect(STARTER_LINES.length).toBeGreaterThanOrEqual(800);
      const loaded = logs.find((l) => l.msg === "starter catalog loaded");
      expect(loaded).toMatchObject({ items: STARTER_LINES.length, inserted: STARTER_LINES.length, updated: 0, rejected: 0 });
      expect(logs.findIndex((l) => l.msg === "starter catalog loaded")).toBeLessThan(logs.findIndex((l) => l.msg === "listening"));

      // Over the API, as a client sees it.
      const baseUrl = `http://127.0.0.1:${app.port}`;
      const token = (await client(AuthService, "grpc", baseUrl).register({ email: "s@example.com", password: "passw0rd-x", displayName: "S" })).tokens!.accessToken;
      const events = STARTER_LINES.filter((l) => l.content_type === "event");
      const ended = events.find((e) => e.starts_in_hours! + e.duration_hours! < 0)!;
      const upcoming = events.find((e) => e.starts_in_hours! > 24)!;
      for (const line of [ended, upcoming]) {
        const id = (await app.orm.em.fork().findOneOrFail(ContentItemEntity, { externalId: line.external_id })).id;
        const { item } = await client(ContentService, "connect-json-h1", baseUrl, token).getContentItem({ id });
        expect(item?.contentType).toBe(ContentType.EVENT);
        const start = timestampDate(item!.startTime!).getTime();
        expect(start).toBeGreaterThanOrEqual(before + line.starts_in_hours! * HOUR);
        expect(start).toBeLessThanOrEqual(after + line.starts_in_hours! * HOUR);
        expect(timestampDate(item!.endTime!).getTime() - start).toBe(line.duration_hours! * HOUR);
      }
    } finally {
      await app.close();
    }

    // A restart finds a catalog and leaves it alone: nothing duplicated, nothing re-timed.
    const snapshot = async (app: App) =>
      (await app.orm.em.fork().find(ContentItemEntity, {}, { orderBy: { id: "asc" } })).map((r) => [r.id, r.startTime?.getTime(), r.updatedAt.getTime()]);
    const second = await start(db);
    let rows: unknown[];
    try {
      rows = await snapshot(second.app);
      expect(rows).toHaveLength(STARTER_LINES.length);
      expect(second.logs.some((l) => l.msg === "starter catalog loaded")).toBe(false);
      expect(second.logs.some((l) => l.msg === "catalog not empty: starter catalog not loaded")).toBe(true);
    } finally {
      await second.app.close();
    }
    const third = await start(db);
    try {
      expect(await snapshot(third.app)).toEqual(rows);
    } finally {
      await third.app.close();
    }
  });

  it("stays out of Postgres unless asked with always, and out of SQLite with off", async () => {
    for (const [kind, mode, expected] of [
      ["postgres", undefined, 0],
      ["postgres", "always", STARTER_LINES.length],
      ["sqlite", "off", 0],
    ] as const) {
      const { app } = await start(await fresh(kind), mode);
      try {
        expect(await count(app), `${kind} with STARTER_CATALOG=${mode ?? "(unset)"}`).toBe(expected);
      } finally {
        await app.close();
      }
    }
  });

  it("takes only auto, always or off", () => {
    expect(configProblems({ STARTER_CATALOG: "always" })).toEqual([]);
    expect(configProblems({ STARTER_CATALOG: "yes" })).toEqual(['STARTER_CATALOG must be one of auto, always, off, got "yes"']);
    expect(loadConfig({}).starterCatalog).toBe("auto");
  });
});
