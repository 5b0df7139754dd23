import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";

/** Where the test Postgres server is; a missing server fails the run (never a skip). */
export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export type DatabaseKind = "sqlite" | "postgres";
export const DATABASE_KINDS: readonly DatabaseKind[] = ["sqlite", "postgres"];

export interface TestDatabase {
  /** DATABASE_URL for the app; undefined for SQLite. */
  readonly databaseUrl: string | undefined;
  /** DATA_DIR for the app (also where SQLite lives). */
  readonly dataDir: string;
  drop(): Promise<void>;
}

/** A fresh, uniquely named database (Postgres) or data directory (SQLite), removed by `drop()`. */
export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "stuckai-test-"));
  const removeDir = () => rmSync(dataDir, { recursive: true, force: true });
  if (kind === "sqlite") return { databaseUrl: undefined, dataDir, drop: async () => removeDir() };

  const name = `stuckai_test_${Date.now()}_${randomBytes(4).toString("hex")}`;
  await adminQuery(`create database ${name}`);
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    databaseUrl: url.toString(),
    dataDir,
    async drop() {
      await adminQuery(`drop database if exists ${name} with (force)`);
      removeDir();
    },
  };
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`the tests need PostgreSQL at ${POSTGRES_ADMIN_URL} (set TEST_POSTGRES_URL): ${String(err)}`);
  }
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
