import { execFile } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ContentItemEntity } from "../../server/persistence/entities/content-item.js";
import { openDatabase } from "../../server/persistence/orm.js";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../helpers/databases.js";

const run = promisify(execFile);
const ITEMS = 1_500;
// Each case starts tsx processes; two shared cores under a parallel suite can make that slow.
const SLOW = 120_000;

/** Runs the CLI as `npm run catalog:import` does, never throwing: the exit code is part of what is tested. */
async function catalogImport(args: string[], db: TestDatabase) {
  const env = {
    PATH: process.env.PATH!,
    NODE_ENV: "test",
    DATA_DIR: db.dataDir,
    LOG_LEVEL: "warn",
    ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}),
  };
  try {
    const { stdout, stderr } = await run("node_modules/.bin/tsx", ["scripts/catalog-import.ts", ...args], { env, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout: string; stderr: string };
    if (typeof e.code !== "number") throw err;
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** `name: value` lines of the summary. */
function summary(stdout: string): Record<string, string> {
  return Object.fromEntries(
    stdout
      .split("\n")
      .map((l) => /^(read|inserted|updated|rejected|time):\s+(.*)$/.exec(l))
      .filter((m) => m !== null)
      .map((m) => [m[1], m[2]]),
  );
}

let dir: string;
let file: string;
let typesInFile: Record<string, number>;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "stuckai-catalog-import-"));
  file = path.join(dir, "items.jsonl");
  const { stdout } = await run("node_modules/.bin/tsx", ["scripts/generate-catalog.ts", String(ITEMS), "--seed", "7"], { maxBuffer: 64 * 1024 * 1024 });
  writeFileSync(file, stdout);
  typesInFile = {};
  for (const line of stdout.trim().split("\n")) {
    const type = (JSON.parse(line) as { content_type: string }).content_type;
    typesInFile[type] = (typesInFile[type] ?? 0) + 1;
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("scripts/generate-catalog.ts", () => {
  it("writes the same file for the same seed, with every content type", async () => {
    const { stdout } = await run("node_modules/.bin/tsx", ["scripts/generate-catalog.ts", String(ITEMS), "--seed", "7"], { maxBuffer: 64 * 1024 * 1024 });
    expect(stdout).toBe(readFileSync(file, "utf8"));
    expect(Object.keys(typesInFile).sort()).toEqual(["event", "movie", "music", "place"]);
  }, SLOW);
});

describe.each(DATABASE_KINDS)("npm run catalog:import on %s", (kind) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(kind);
  }, SLOW);
  afterAll(async () => {
    await db?.drop();
  }, SLOW);

  const rowsByType = async () => {
    const orm = await openDatabase({ databaseUrl: db.databaseUrl, dataDir: db.dataDir });
    try {
      const rows = await orm.em.fork().find(ContentItemEntity, {}, { fields: ["contentType"] });
      const counts: Record<string, number> = {};
      for (const r of rows) counts[r.contentType] = (counts[r.contentType] ?? 0) + 1;
      return counts;
    } finally {
      await orm.close();
    }
  };

  it("imports a generated file in batches into a fresh database, exit 0", async () => {
    const r = await catalogImport([file, "--batch", "400"], db);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^imported ${file} into ${kind}`));
    expect(summary(r.stdout)).toMatchObject({ read: String(ITEMS), inserted: String(ITEMS), updated: "0", rejected: "0", time: expect.stringMatching(/^\d+\.\d\d s \(\d+ items\/s\)$/) });
    // Not a terminal: plain progress lines on stderr, no bar redrawn with carriage returns.
    expect(r.stderr).toMatch(/^catalog-import: \d+% \d+ lines, \d+ inserted, \d+ updated, \d+ rejected, \d+ items\/s$/m);
    expect(r.stderr).not.toContain("\r");
    expect(await rowsByType()).toEqual(typesInFile);
  }, SLOW);

  it("updates on a second run, and exits 2 naming the line and field of each rejected line", async () => {
    const bad = path.join(dir, `bad-${kind}.jsonl`);
    writeFileSync(bad, readFileSync(file));
    appendFileSync(bad, '\n{"content_type":"event","external_id":"late-event","title":"Late","location":{"latitude":1,"longitude":2}}\n');
    appendFileSync(bad, "{not json\n");
    const r = await catalogImport([bad], db);
    expect(r.code, r.stderr).toBe(2);
    expect(summary(r.stdout)).toMatchObject({ read: String(ITEMS + 2), inserted: "0", updated: String(ITEMS), rejected: "2" });
    // Line ITEMS + 1 is blank: skipped, yet counted in line numbers, as an editor counts.
    expect(r.stdout).toContain(`rejected lines:\n  line ${ITEMS + 2} (late-event): start_time: is required for events\n  line ${ITEMS + 3}: not valid JSON:`);
    expect(await rowsByType()).toEqual(typesInFile);
  }, SLOW);

  it("exits 1 for a missing file or a bad command line", async () => {
    const missing = await catalogImport([path.join(dir, "nope.jsonl")], db);
    expect(missing).toMatchObject({ code: 1, stdout: "" });
    expect(missing.stderr).toContain(`catalog-import: no file at ${path.join(dir, "nope.jsonl")}`);
    const folder = await catalogImport([dir], db);
    expect(folder).toMatchObject({ code: 1 });
    expect(folder.stderr).toContain("is not a regular file");
    const batch = await catalogImport([file, "--batch", "5000"], db);
    expect(batch).toMatchObject({ code: 1 });
    expect(batch.stderr).toContain('--batch must be an integer in [1, 1000], got "5000"');
    expect((await catalogImport([], db)).stderr).toContain("no file given");
    if (kind === "postgres") {
      const down = await catalogImport([file], { ...db, databaseUrl: "postgres://postgres@127.0.0.1:1/nothing-listens" });
      expect(down).toMatchObject({ code: 1, stdout: "" });
      expect(down.stderr).toContain("catalog-import: cannot open the database, postgres: connect ECONNREFUSED");
    }
  }, SLOW);
});
