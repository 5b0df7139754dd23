import { pino } from "pino";
import { startApp, type App } from "../../server/app.js";
import { loadConfig } from "../../server/config/config.js";
import { createTestDatabase, type DatabaseKind, type TestDatabase } from "./databases.js";

export const TEST_JWT_SECRET = "test-secret-that-is-long-enough-0123456789";

export interface TestServer {
  readonly app: App;
  readonly db: TestDatabase;
  /** http://127.0.0.1:PORT */
  readonly baseUrl: string;
  stop(): Promise<void>;
}

/**
 * The environment of an app under test: loopback on a free port, fast password hashing, limits high
 * enough for suites that register many users from 127.0.0.1 (rate-limit suites set their own), and
 * an empty catalog (starter-catalog.test.ts turns it on). `env` overrides any of it.
 */
export function testEnv(db: { dataDir: string; databaseUrl?: string }, env: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: "test",
    HOST: "127.0.0.1",
    PORT: "0",
    DATA_DIR: db.dataDir,
    ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}),
    JWT_SECRET: TEST_JWT_SECRET,
    SCRYPT_LOG_N: "12", // fast hashing in tests; production defaults to 17
    LOG_LEVEL: "silent",
    RATE_LIMIT_DEFAULT: "1000000",
    RATE_LIMITS: "Login=1000000,Register=1000000",
    STARTER_CATALOG: "off",
    ...env,
  };
}

/** Starts the real server on a free loopback port against a fresh database of the given kind. */
export async function startTestServer(
  kind: DatabaseKind,
  env: Record<string, string> = {},
): Promise<TestServer> {
  const db = await createTestDatabase(kind);
  const config = loadConfig(testEnv(db, env));
  const app = await startApp(config, pino({ level: "silent" }));
  return {
    app,
    db,
    baseUrl: `http://127.0.0.1:${app.port}`,
    async stop() {
      await app.close();
      await db.drop();
    },
  };
}
